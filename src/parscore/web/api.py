"""The HTTP API: JSON in and out, the same contract as the CLI's `-f json`.

POST bodies are JSON (`application/json`), or `multipart/form-data` with the facts as a
file (curl -F facts=@file.yaml) plus the header `X-Parscore-CSRF`. Bad input answers 422
with the same located problems the CLI prints, as JSON.
"""
from __future__ import annotations

from typing import Any, Literal

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..jsontext import dumps, loads, lone_surrogate
from ..audit import audit
from ..errors import InputError, Problem
from ..planner import Planner
from ..reporting import render_audit, render_criteria, render_facts, render_plan, render_scorecard, render_simulation
from ..scorecard import score
from ..simulation import simulate
from ..workflow import DEFAULT_METHODOLOGY, parse_target, plan_context, with_extras
from . import core

router = APIRouter(prefix="/api")


class FactsBody(BaseModel):
    """The facts to judge: exactly one of `facts` (a facts file as YAML text, or the same
    mapping as JSON) or `example` (a bundled example's name)."""
    model_config = ConfigDict(extra="forbid")
    facts: str | dict[str, Any] | None = Field(None, description="a facts file: YAML text, or the same mapping as JSON")
    example: str | None = Field(None, description="a bundled example: " + ", ".join(sorted(core.EXAMPLES)))
    methodology: str | None = Field(None, description="a methodology id; default the facts file's, else " + DEFAULT_METHODOLOGY)
    lang: Literal["vi", "en"] = "vi"
    peers: str | None = Field(None, description="a bundled peer table for the projected rank: " + ", ".join(sorted(core.PEERS)))
    units: str | None = Field(None, description="a bundled lead-unit assignment: " + ", ".join(sorted(core.UNITS)))


class SimulateBody(FactsBody):
    changes: dict[str, Any] | None = Field(None, description="fact → new value (as in --set; null removes the fact)")
    scenario: str | None = Field(None, description="a scenario file as YAML text: name, note, set: {fact: value}")


class PlanBody(FactsBody):
    target: str | float | None = Field(None, description="target index, e.g. 92")
    unit: str | None = Field(None, description="only improvements led by this unit (name contains)")


class AuditBody(FactsBody):
    pass


class ProjectBody(FactsBody):
    baseline: str = Field(description="last year, bundled: " + ", ".join(sorted(core.BASELINES)))
    samples: int = Field(10_000, ge=1, le=200_000, description="samples drawn (default 10000, as the CLI)")
    seed: int | None = Field(None, ge=0, description="random seed (default the CLI's)")
    target: str | float | None = Field(None, description="target index, e.g. 90: the chance of reaching it")
    redraw_survey: bool = Field(False, description="draw the file's own survey values too, as --redraw-survey")


class ProblemOut(BaseModel):
    file: str
    line: int | None
    field: str
    message: str
    code: str
    text: str = Field(description="the problem as the CLI prints it")


class ProblemsOut(BaseModel):
    problems: list[ProblemOut]


def problems_response(problems: list[Problem], status: int = 422, lang: str = "vi") -> Response:
    """The CLI's located problems as JSON, in the request's language (Vietnamese by default)."""
    from ..i18n import translate

    body = {"problems": [{"file": p.file, "line": p.line, "field": p.field,
                          "message": p.message if lang == "en" else translate(p.code, p.message, lang), "code": p.code,
                          "text": p.render(lang)} for p in core.public(problems)]}
    return Response(dumps(body), status_code=status, media_type="application/json")


def _json_response(text: str) -> Response:
    return Response(text, media_type="application/json")


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    form = {"type": "object", "properties": {
        "facts": {"type": "string", "format": "binary", "description": "a facts file (.yaml) or a filled template (.xlsx)"},
        "scenario": {"type": "string", "format": "binary", "description": "simulate: a scenario file"},
        "set": {"type": "array", "items": {"type": "string"}, "description": "simulate: FACT=VALUE, repeatable"},
        **{k: {"type": "string"} for k in ("example", "methodology", "lang", "peers", "units", "target", "unit")}}}
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema},
        "multipart/form-data": {"schema": form, "description": "requires the header X-Parscore-CSRF"}}},
        "responses": {"422": {"description": "located problems", "content": {"application/json": {"schema": ProblemsOut.model_json_schema()}}}}}


def _note_lang(request: Request, lang: Any) -> None:
    """The body's `lang`, read before anything can fail: the request's problems come back in it."""
    if lang in ("vi", "en"):
        request.state.lang = lang


async def read_body(request: Request, model: type[FactsBody], strict: bool = True) -> tuple[FactsBody, core.Inputs, dict[str, Any]]:
    """The request's parameters and its loaded inputs; extra holds multipart-only parts."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    extra: dict[str, Any] = {}
    if ctype == "application/json":
        raw = await request.body()
        try:
            data = loads(raw.decode("utf-8"), "request")
        except (UnicodeDecodeError, ValueError) as exc:
            raise InputError.one("request", None, "", f"the body is not JSON: {exc}", "PS356") from None
        half = lone_surrogate(data, raw)
        if half is not None:
            raise InputError.one("request", None, "", f"the body is not JSON: {half} is half of a surrogate pair, "
                                 "not a character; write the character itself", "PS356")
        _note_lang(request, data.get("lang") if isinstance(data, dict) else None)
        try:
            body = model.model_validate(data)
        except ValidationError as exc:
            raise InputError([Problem("request", None, ".".join(map(str, e["loc"])) or "body", e["msg"], "PS356")
                              for e in exc.errors()]) from None
        text = body.facts if isinstance(body.facts, str) else (yaml.safe_dump(body.facts, allow_unicode=True, sort_keys=False)
                                                                if body.facts is not None else None)
        inputs = core.load_request(text=text, example=body.example, methodology=body.methodology, peers=body.peers,
                                   units=body.units, strict=strict)
        return body, inputs, extra
    if ctype == "multipart/form-data":
        if not request.headers.get("x-parscore-csrf"):
            raise InputError.one("request", None, "X-Parscore-CSRF", "a form upload needs the header X-Parscore-CSRF "
                                 "(any value; browsers cannot send it from another site)", "PS353")
        form = await request.form(max_files=2, max_fields=600)
        fields: dict[str, Any] = {}
        upload = upload_name = None
        for key, value in form.multi_items():
            if not isinstance(value, str):   # an uploaded file (starlette's UploadFile)
                content = await value.read(core.MAX_UPLOAD_BYTES + 1)
                if key == "facts":
                    upload, upload_name = content, value.filename or "upload"
                elif key == "scenario":
                    extra["scenario"] = (core.safe_name(value.filename, "scenario"), core.decode_text(content, core.safe_name(value.filename, "scenario")))
                else:
                    raise InputError.one("request", None, key, "unexpected file field; send the facts as 'facts'", "PS356")
            elif key == "set":
                extra.setdefault("set", []).append(str(value))
            elif key == "facts":
                fields["facts"] = str(value)
            else:
                fields[key] = str(value) if str(value) != "" else None
        _note_lang(request, fields.get("lang"))
        try:
            body = model.model_validate({k: v for k, v in fields.items() if k in model.model_fields})
        except ValidationError as exc:
            raise InputError([Problem("request", None, ".".join(map(str, e["loc"])) or "body", e["msg"], "PS356")
                              for e in exc.errors()]) from None
        unknown = sorted(set(fields) - set(model.model_fields))
        if unknown:
            raise InputError.one("request", None, unknown[0], f"unknown field; expected {', '.join(model.model_fields)}", "PS356")
        inputs = core.load_request(upload=upload, upload_name=upload_name,
                                   text=body.facts if isinstance(body.facts, str) else None, example=body.example,
                                   methodology=body.methodology, peers=body.peers, units=body.units, strict=strict)
        return body, inputs, extra
    raise InputError.one("request", None, "Content-Type", f"expected application/json or multipart/form-data, got {ctype or 'none'!r}", "PS356")


@router.post("/score", openapi_extra=_body_schema(FactsBody), summary="score a facts file: `parscore score -f json`")
async def api_score(request: Request) -> Response:
    body, i, _ = await read_body(request, FactsBody)
    card = with_extras(score(i.m, i.facts, body.lang), i.facts, i.peers, i.units)
    return _json_response(render_scorecard(card, "json"))


@router.post("/simulate", openapi_extra=_body_schema(SimulateBody), summary="what if some facts changed: `parscore simulate -f json`")
async def api_simulate(request: Request) -> Response:
    body, i, extra = await read_body(request, SimulateBody)
    assert isinstance(body, SimulateBody)
    changes: dict[str, Any] = {}
    name = note = None
    scen = extra.get("scenario") or (("scenario", body.scenario) if body.scenario is not None else None)
    if scen is not None:
        name, note, changes = core.scenario_from_text(scen[1], scen[0], i.m)
    pairs: list[tuple[str, Any]] = list((body.changes or {}).items())
    for item in extra.get("set", []):
        if "=" not in item:
            raise InputError.one("request", None, item[:80], "expected FACT=VALUE, e.g. par_inspection_units_inspected=25", "PS131")
        k, v = item.split("=", 1)
        pairs.append((k.strip(), v))
    changes.update(core.parse_changes(pairs, i.m, "request"))
    if not changes:
        raise InputError.one("request", None, "changes", "nothing to change: give changes {fact: value} or a scenario", "PS131")
    sim = simulate(i.m, i.facts, changes, body.lang, i.peers, name, note, i.units)
    return _json_response(render_simulation(sim, "json"))


@router.post("/plan", openapi_extra=_body_schema(PlanBody), summary="improvements, and with a target the smallest set reaching it: `parscore plan -f json`")
async def api_plan(request: Request) -> Response:
    body, i, _ = await read_body(request, PlanBody)
    assert isinstance(body, PlanBody)
    target = parse_target(str(body.target), "request") if body.target is not None else None
    p = Planner(i.m, i.facts, body.lang, i.units).plan(target)
    return _json_response(render_plan(p, i.m, body.lang, "json", body.unit, **plan_context(p, i.facts, i.peers, i.units)))


@router.post("/audit", openapi_extra=_body_schema(AuditBody), summary="check a self-assessment: `parscore audit -f json`")
async def api_audit(request: Request) -> Response:
    body, i, _ = await read_body(request, AuditBody, strict=False)
    return _json_response(render_audit(audit(i.m, i.facts, body.lang), "json"))


@router.post("/project", openapi_extra=_body_schema(ProjectBody),
             summary="the index as a range before the survey is published: `parscore project -f json`")
async def api_project(request: Request) -> Response:
    from ..projection_report import projection_json

    body, i, _ = await read_body(request, ProjectBody)
    assert isinstance(body, ProjectBody)
    target = parse_target(str(body.target), "target") if body.target is not None else None
    p = core.project_request(i, i.facts, body.baseline, body.samples, body.seed, target, body.redraw_survey)
    return _json_response(projection_json(p))


@router.get("/criteria", summary="the methodology tree: `parscore criteria -f json`")
async def api_criteria(methodology: str = DEFAULT_METHODOLOGY, lang: Literal["vi", "en"] = "vi") -> Response:
    return _json_response(render_criteria(core.methodology_by_id(methodology), lang, "json"))


@router.get("/facts", summary="the fact catalogue: `parscore facts -f json`")
async def api_facts(methodology: str = DEFAULT_METHODOLOGY, lang: Literal["vi", "en"] = "vi") -> Response:
    return _json_response(render_facts(core.methodology_by_id(methodology), lang, "json"))
