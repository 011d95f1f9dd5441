"""The ASGI application: the officials' page (server-rendered with Jinja2, a small
script of our own for in-place updates) and the HTTP API (api.py).

Stateless: the page posts its facts and its list of changes back with every action,
so the server stores nothing. Safety: request bodies are capped, POSTs from another
site are refused (Origin check, and a double-submit token or a custom header), and
every response carries a Content-Security-Policy without inline scripts or styles.
"""
from __future__ import annotations

import json
import secrets
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Awaitable, Callable, MutableMapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.staticfiles import StaticFiles

from ..errors import InputError, Problem
from ..excel.template import field_of
from ..explanation import fmt_number, fmt_value
from ..evaluation import canonical
from ..planner import Planner
from ..render.common import caveat, num, pct, plan_data, t
from ..scorecard import score
from ..simulation import apply_changes, compare
from ..workflow import parse_target, with_extras
from . import core
from .api import problems_response, router
from .i18n import tr

STATIC = Path(__file__).parent / "static"
CSRF_COOKIE = "parscore_csrf"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),   # no-referrer would make Chromium send "Origin: null" on form posts
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

env = Environment(loader=PackageLoader("parscore.web", "templates"), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)


class BodyTooLarge(InputError):
    """A body that outgrows the cap while it streams in (no Content-Length to refuse it up front)."""

    def __init__(self) -> None:
        super().__init__([_too_large_problem()])


def _too_large_problem() -> Problem:
    return Problem("request", None, "", f"the request is larger than {core.MAX_REQUEST_BYTES} bytes; "
                   f"a facts file or workbook may be at most {core.MAX_UPLOAD_BYTES} bytes", "PS002")


class Guard:
    """Pure ASGI middleware: security headers on every response, a cap on request bodies
    (by Content-Length and by counting what arrives), and no POST from another origin."""

    allow_any_host = False   # `parscore serve --allow-remote` sets it

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapped(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in SECURITY_HEADERS if h[0] not in names]
            await send(message)

        try:
            await self._guarded(scope, receive, send_wrapped)
        except Exception as exc:   # a bug: one line on the server's stderr and a 500 naming it, never a traceback
            print(f"parscore: internal error on {scope.get('path', '')[:100]}: {type(exc).__name__}: {str(exc)[:200]} [PS369]",
                  file=sys.stderr, flush=True)
            if not started:
                await problems_response([Problem("request", None, "", f"internal error ({type(exc).__name__}); the input was "
                                                 "not judged. Please report this with the file", "PS369")], 500)(scope, receive, send_wrapped)

    async def _guarded(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send_wrapped: Callable[[Any], Awaitable[None]]) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        hostname = _hostname(headers.get("host", ""))
        if not Guard.allow_any_host and hostname not in LOOPBACK_NAMES:
            # DNS rebinding: a page on another site whose name now points at 127.0.0.1 would be "same origin"
            await problems_response([Problem("request", None, "Host", f"'{hostname[:100]}' is not this computer's loopback name; "
                                             "open the address parscore printed (http://127.0.0.1:PORT/)", "PS360")],
                                    400)(scope, receive, send_wrapped)
            return
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            origin = headers.get("origin")
            host = headers.get("host", "")
            if origin is not None and origin not in (f"http://{host}", f"https://{host}"):
                await problems_response([Problem("request", None, "Origin", f"a request from {origin[:100]} is refused: "
                                                 "this server answers only its own page and non-browser clients", "PS353")],
                                        403)(scope, receive, send_wrapped)
                return
            try:
                length = int(headers.get("content-length", "0") or 0)
            except ValueError:
                length = 0
            if length > core.MAX_REQUEST_BYTES:
                await _too_large()(scope, receive, send_wrapped)
                return
            seen = 0

            async def receive_capped() -> Any:
                nonlocal seen
                message = await receive()
                if message["type"] == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > core.MAX_REQUEST_BYTES:
                        raise BodyTooLarge()   # answered 413 by the InputError handler
                return message

            await self.app(scope, receive_capped, send_wrapped)
            return
        await self.app(scope, receive, send_wrapped)


LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}


def _hostname(host: str) -> str:
    """The Host header without its port ("[::1]:8892" → "::1")."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _too_large() -> Response:
    return problems_response([_too_large_problem()], 413)


def create_app() -> Any:
    # Uploads up to the cap stay in memory: nothing is spooled to a temporary file.
    from starlette.formparsers import MultiPartParser
    MultiPartParser.spool_max_size = max(MultiPartParser.spool_max_size, core.MAX_REQUEST_BYTES)
    app = FastAPI(title="parscore", version="0.1.0", docs_url=None, redoc_url=None,
                  description="PAR INDEX (Chỉ số CCHC) scoring over HTTP: the same JSON as `parscore ... -f json`.")
    app.include_router(router)
    app.add_middleware(Guard)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> Response:
        if isinstance(exc, BodyTooLarge):
            return problems_response(exc.problems, 413)
        if request.url.path.startswith("/ui/"):
            return _page(request, {"problems": exc.problems}, getattr(request.state, "lang", "vi"), 422)
        return problems_response(exc.problems, lang=getattr(request.state, "lang", None) or request.query_params.get("lang", "vi"))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return problems_response([Problem("request", None, ".".join(map(str, e["loc"])), e["msg"], "PS356") for e in exc.errors()])

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index(request: Request, lang: str = "vi") -> Response:
        return _page(request, {}, lang if lang in ("vi", "en") else "vi")

    @app.post("/ui/open", include_in_schema=False)
    async def ui_open(request: Request) -> Response:
        form = await request.form(max_files=1, max_fields=20)
        lang = _lang(form, request)
        _check_csrf(request, form)
        upload = form.get("facts")
        use_example = form.get("use") == "example"
        example = str(form.get("example") or "") if use_example else ""
        data = await upload.read(core.MAX_UPLOAD_BYTES + 1) if upload is not None and not isinstance(upload, str) and not use_example else b""
        try:
            if data:
                i = core.load_request(upload=data, upload_name=getattr(upload, "filename", None), peers=_opt(form, "peers"),
                                      units=_opt(form, "units"))
            elif example:
                i = core.load_request(example=example, peers=_opt(form, "peers"), units=_opt(form, "units"))
            else:
                raise InputError.one("request", None, "facts", tr("choose_file", lang), "PS354")
        except InputError as exc:
            return _page(request, {"problems": exc.problems}, lang, 422)
        state = {"example": example if not data else "", "doc": "" if not data else i.yaml_text, "name": i.source,
                 "peers": _opt(form, "peers") or "", "units": _opt(form, "units") or "", "changes": [], "target": "", "focus": "card-h",
                 "baseline": "", "redraw": False}
        return _workspace(request, state, lang)

    @app.post("/ui/update", include_in_schema=False)
    async def ui_update(request: Request) -> Response:
        form, lang, state = await _posted_state(request)
        op = str(form.get("op") or "")
        if op.startswith("lang:") and op[5:] in ("vi", "en"):
            lang = op[5:]
        elif op.startswith("set:"):
            fact = op[4:]
            state["changes"].append([fact, str(form.get(f"v:{fact}") or "")])
            state["focus"] = f"v:{fact}"
        elif op.startswith("apply:") and "=" in op:
            fact, value = op[6:].split("=", 1)
            state["changes"].append([fact, value])
            state["focus"] = "whatif-summary"
        elif op == "plan-all":   # every change of the plan to the target, recomputed here from the posted state
            state["changes"] += _plan_changes(state, lang)
            state["focus"] = "whatif-summary"
        elif op == "undo" and state["changes"]:
            state["changes"].pop()
        elif op == "reset":
            state["changes"] = []
        elif op == "project":
            state["focus"] = "projection-h"
        return _workspace(request, state, lang)

    @app.post("/ui/download", include_in_schema=False)
    async def ui_download(request: Request) -> Response:
        form, lang, state = await _posted_state(request)
        what = str(form.get("what") or "")
        i = _inputs(state)
        changes = core.parse_changes([(k, v) for k, v in state["changes"]], i.m)
        facts = apply_changes(i.facts, changes, i.m, "request") if changes else i.facts
        stem = (i.facts.agency.code or "parscore") + (f"-{i.facts.year}" if i.facts.year else "")
        if what.startswith("card:") and what[5:] in core.CARD_FORMATS:
            fmt = what[5:]
            media, render = core.CARD_FORMATS[fmt]
            card = with_extras(score(i.m, facts, lang), facts, i.peers, i.units)
            return _attachment(render(card, i.m, facts, lang, i.units), media, f"{stem}-scorecard.{fmt}")
        if what == "facts:yaml":
            return _attachment(core.facts_yaml(facts), core.FACTS_FORMATS["yaml"], f"{stem}-facts.yaml")
        if what == "facts:xlsx":
            return _attachment(core.facts_xlsx(facts, i.m, lang, i.units), core.FACTS_FORMATS["xlsx"], f"{stem}-facts.xlsx")
        if what == "scenario":
            if not changes:
                raise InputError.one("request", None, "changes", tr("no_scenario", lang), "PS131")
            name = tr("scenario_name", lang)
            return _attachment(core.scenario_yaml(changes, name).encode("utf-8"), core.FACTS_FORMATS["yaml"], f"{stem}-scenario.yaml")
        raise InputError.one("request", None, "what", f"unknown download {what[:40]!r}", "PS356")

    return app


def _attachment(data: bytes, media: str, filename: str) -> Response:
    import unicodedata

    plain = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))   # "tỉnh-cà-mau" → "tinh-ca-mau"
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-._") else "-" for ch in plain if not unicodedata.combining(ch))
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{safe}"',
                                                     "Cache-Control": "no-store"})


def _lang(form: Any, request: Request | None = None) -> str:
    lang = str(form.get("lang") or "vi")
    lang = lang if lang in ("vi", "en") else "vi"
    if request is not None:
        request.state.lang = lang   # for a problem page raised later in the request
    return lang


def _opt(form: Any, key: str) -> str | None:
    v = form.get(key)
    return str(v) if v else None


def _check_csrf(request: Request, form: Any) -> None:
    """Double submit: the form's token must equal the cookie this server set (a page on
    another site can read neither). The Origin check in Guard runs first."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = str(form.get("csrf") or "")
    if not cookie or not secrets.compare_digest(cookie, sent):
        raise InputError.one("request", None, "csrf", "the form's token does not match this browser's; reload the page "
                             "(forms from other sites are refused)", "PS353")


async def _posted_state(request: Request) -> tuple[Any, str, dict[str, Any]]:
    """A workspace form posted back: its fields, language (checked token) and state."""
    form = await request.form(max_files=0, max_fields=2000)
    lang = _lang(form, request)
    _check_csrf(request, form)
    return form, lang, _state(form)


def _state(form: Any) -> dict[str, Any]:
    try:
        changes = json.loads(str(form.get("changes") or "[]"))
    except ValueError:
        changes = None
    if not isinstance(changes, list) or not all(isinstance(c, list) and len(c) == 2 and all(isinstance(x, str) for x in c) for c in changes):
        raise InputError.one("request", None, "changes", "the page's list of changes is damaged; reload the page", "PS356")
    return {"example": str(form.get("example") or ""), "doc": str(form.get("doc") or ""), "name": core.safe_name(str(form.get("name") or "")),
            "peers": str(form.get("peers") or ""), "units": str(form.get("units") or ""), "changes": changes,
            "target": str(form.get("target") or "").strip(), "baseline": str(form.get("baseline") or ""),
            "redraw": form.get("redraw") == "1"}


def _plan_changes(state: dict[str, Any], lang: str) -> list[list[str | None]]:
    i = _inputs(state)
    changes = core.parse_changes([(k, v) for k, v in state["changes"]], i.m)
    facts = apply_changes(i.facts, changes, i.m, "request") if changes else i.facts
    target = parse_target(state["target"], "target") if state["target"] else None
    if target is None:
        return []
    p = Planner(i.m, facts, lang, i.units).plan(target)
    return [[k, canonical(v)] for k, v in (p.chosen or {}).items()]


def _inputs(state: dict[str, Any]) -> core.Inputs:
    if state["example"]:
        return core.load_request(example=state["example"], peers=state["peers"] or None, units=state["units"] or None)
    return core.load_request(text=state["doc"], text_name=state["name"], peers=state["peers"] or None, units=state["units"] or None)


def _page(request: Request, ctx: dict[str, Any], lang: str, status: int = 200, fragment: bool | None = None) -> Response:
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    ctx = {"lang": lang, "tr": lambda k: tr(k, lang), "csrf": token, "examples": sorted(core.EXAMPLES),
           "peers_names": sorted(core.PEERS), "units_names": sorted(core.UNITS), **ctx}
    if ctx.get("problems"):
        ctx["problems"] = core.public(list(ctx["problems"]))
    if fragment is None:
        fragment = request.headers.get("x-parscore-fragment") == "1"
    html = env.get_template("app.html" if fragment else "page.html").render(**ctx)
    resp = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
    if request.cookies.get(CSRF_COOKIE) != token:
        resp.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
    return resp


def _workspace(request: Request, state: dict[str, Any], lang: str) -> Response:
    problems: list[Problem] = []
    i = _inputs(state)
    m, facts = i.m, i.facts
    try:
        changes = core.parse_changes([(k, v) for k, v in state["changes"]], m)
        after_facts = apply_changes(facts, changes, m, "request") if changes else facts
    except InputError as exc:   # the last change is refused: show why, keep the others
        problems = list(exc.problems)
        state["changes"] = state["changes"][:-1]
        changes = core.parse_changes([(k, v) for k, v in state["changes"]], m)
        after_facts = apply_changes(facts, changes, m, "request") if changes else facts
    before = with_extras(score(m, facts, lang), facts, i.peers, i.units)
    after = with_extras(score(m, after_facts, lang), after_facts, i.peers, i.units) if changes else before
    sim = compare(m, facts, changes, before, after, lang, i.peers, None, None, i.units) if changes else None
    changed = {d.code: d for d in sim.items} if sim else {}
    target = None
    if state["target"]:
        try:
            target = parse_target(state["target"], "target")
        except InputError as exc:
            problems += exc.problems
    elif after.index < Decimal(90):
        target = Decimal(90)
    p = Planner(m, after_facts, lang, i.units).plan(target)
    pd = plan_data(p, m, lang)
    projection = None
    if state["baseline"]:   # the index as a range, the survey drawn around last year (bundled only)
        try:
            projection = _projection_view(core.project_request(i, after_facts, state["baseline"], core.PROJECTION_SAMPLES,
                                                               target=target, redraw=state["redraw"]), lang)
        except InputError as exc:
            problems += exc.problems
    ctx = {"ws": True, "state": state, "state_json": json.dumps(state["changes"], ensure_ascii=False), "problems": problems,
           "card": after, "before": before, "sim": sim, "changed": changed, "source": i.source,
           "fields": _fields_view(m, after, after_facts, changed, lang), "missing": [it for it in after.items if it.status == "missing_facts"],
           "plan": _plan_view(p, pd, m, lang), "target": fmt_number(target, "en") if target is not None else "",
           "caveat": caveat(after, lang), "card_formats": list(core.CARD_FORMATS),
           "facts_view": _facts_view(m, facts, after_facts, changes, lang), "editable": set(m.facts),
           "num": lambda d: num(d, lang), "pct": lambda d: pct(d, lang), "t": lambda k: t(k, lang), "fmt_value": lambda v: fmt_value(v, lang),
           "rank_text": lambda r: _rank(r, lang), "projection": projection, "baselines": sorted(core.BASELINES),
           "projection_samples": core.PROJECTION_SAMPLES}
    return _page(request, ctx, lang, 422 if problems else 200)


def _projection_view(p: Any, lang: str) -> dict[str, Any]:
    """The projection's own lines (as `parscore project` prints them) and its chart."""
    from markupsafe import Markup

    from ..projection_report import histogram_svg, summary_lines

    lines = summary_lines(p, lang)
    return {"lines": lines[1:], "chart": Markup(histogram_svg(p, lang))}   # our own SVG; its text is escaped there


def _rank(r: Any, lang: str) -> str:
    if r is None:
        return "—"
    text = tr("rank_of", lang).format(rank=r.rank, of=r.of)
    if r.previous_rank is not None:
        text += " (" + tr("prev_rank", lang).format(prev=r.previous_rank) + ")"
    return text


def _fields_view(m: Any, card: Any, facts: Any, changed: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    items = {it.code: it for it in card.items}
    fields = {f.code: f for f in card.fields}
    out = []
    for f in m.fields:
        rows = [items[s.code] for c in f.criteria for s in c.sub_criteria]
        out.append({"code": f.code, "name": fields[f.code].name, "index": fields[f.code].index, "points": fields[f.code].points,
                    "max": fields[f.code].applicable_max, "items": rows})
    return out


def _facts_view(m: Any, base: Any, after: Any, changes: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Every reported fact of the catalogue, by field, with its current value for the inline editor."""
    groups: dict[str, list[dict[str, Any]]] = {f.code: [] for f in m.fields}
    for name, spec in m.facts.items():
        v = after.values.get(name)
        groups[field_of(m, name)].append({
            "name": name, "type": spec.type, "description": spec.description.get(lang), "unit": spec.unit.get(lang),
            "value": "" if v is None else ("true" if v is True else "false" if v is False else canonical(v)),
            "shown": fmt_value(canonical(v), lang) if v is not None else tr("unknown", lang),
            "missing": v is None, "changed": name in changes, "used_by": ", ".join(m.users_of(name))})
    return [{"code": f.code, "name": f.name.get(lang), "facts": groups[f.code]} for f in m.fields]


def _plan_view(p: Any, pd: dict[str, Any], m: Any, lang: str) -> dict[str, Any]:
    """The plan's proposed changes grouped by lead unit (the target's chosen set first, else every improvement)."""
    imps = pd["improvements"]
    chosen = (pd.get("target") or {}).get("changes")
    rows = [i for i in imps if chosen is None or (i["fact"] in chosen and i["after"] == chosen[i["fact"]])]
    seen: set[tuple[str, str]] = set()
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for i in rows:
        key = (i["fact"], i["after"])
        if key in seen:
            continue
        seen.add(key)
        by_unit.setdefault(i["lead_unit"] or tr("unassigned", lang), []).append(i)
    summary = ""
    tgt = pd.get("target")
    if tgt is not None:
        if tgt["reachable"] and tgt["after"] is not None:
            summary = tr("plan_reach", lang).format(n=len(chosen or {}), target=pct(Decimal(str(tgt["index"])), lang),
                                                    before=pct(p.before.index, lang), after=pct(p.after.index, lang),
                                                    g1=p.before.group, g2=p.after.group)
        elif not tgt["reachable"]:
            summary = tr("plan_unreachable", lang).format(target=pct(Decimal(str(tgt["index"])), lang),
                                                          best=pct(p.best_possible or Decimal(0), lang))
    if not rows:
        summary = summary or tr("plan_none", lang)
    whole = bool(chosen) and bool(tgt and tgt["reachable"])
    return {"by_unit": sorted(by_unit.items()), "summary": summary, "whole": whole,
            "gain": lambda g: fmt_number(Decimal(str(g)), lang)}


app = create_app()
