"""Conventions of provinces' internal PAR indices, declared in the methodology file.

A province scores its departments and communes with its own table, and that table
differs from the national one in ways declared as data (docs/rule-format.md):

- `applies_to`: which units the methodology scores (province, department, commune);
- `denominator`: `fixed` (the national table: every task counts for every agency,
  only a rule's own `not_applicable_when` removes an item) or `applicable` (a unit
  lists the tasks it was not given under `not_assigned:` and is judged over the
  maxima that apply to it);
- `survey: {optional: true, when_absent: rescale}`: a unit with no survey result is
  judged on the appraisal alone, rescaled to 100;
- bonus and penalty rules (`bonus:` / `penalty:` in rules files) capped by the
  methodology's `bonus: {cap}` / `penalty: {cap}`;
- `facts_from`: fact definitions reused from another rules directory;
- `feeds_into` + a rule's `feeds:`: the provincial items a unit's results feed.

With none of these declared (the national table) nothing here changes a scorecard.
"""
from __future__ import annotations

import string
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .errors import InputError, Problem
from .explanation import fmt_number
from .i18n import text as ui_text
from .models import AdjustmentRule, DerivedSpec, FactSpec, ItemResult, MethodologyFile, RulesFile, UnitInfo
from .yamlio import Document, load_yaml

if TYPE_CHECKING:
    from .overlay import Overlay

LEVELS = ("province", "department", "commune")
ZERO = Decimal(0)
NIL = Decimal("0.00")


def _t(key: str, lang: str) -> str:
    return str(ui_text("conventions", lang)[key])


# ---------------------------------------------------------------- loading: facts_from


def import_facts(base: Path, mfile: MethodologyFile, doc: Document, facts: dict[str, FactSpec], derived: dict[str, DerivedSpec],
                 where: dict[str, tuple[str, int | None]], rules: list[Any],
                 adjust: dict[str, list[tuple[AdjustmentRule, Document, int]]], problems: list[Problem], hasher: Any) -> None:
    """Add the fact definitions the methodology's rules use from the `facts_from` directories.

    Only facts the rules (or their derived facts, or `part_of` wholes) reach are
    imported, so a department's catalogue does not list the whole provincial one.
    A name declared locally must be declared exactly as imported: the same name
    means the same fact."""
    avail: dict[str, FactSpec | DerivedSpec] = {}
    avail_where: dict[str, tuple[str, int | None]] = {}
    for i, ref in enumerate(mfile.facts_from):
        src = base / ref
        line = doc.line(("facts_from", i))
        files = sorted(src.glob("*.yaml")) if src.is_dir() else [src] if src.is_file() else []
        if not files:
            problems.append(Problem(doc.file, line, f"facts_from[{i}]",
                                    f"'{ref}' is not a rules directory or catalogue file with *.yaml (relative to {doc.file}); "
                                    "write e.g. ../rules/par-province-892", "PS401"))
            continue
        for f in files:
            try:
                fdoc = load_yaml(f)
                rf = RulesFile.model_validate(fdoc.data if isinstance(fdoc.data, dict) else {})
            except (InputError, ValidationError):
                problems.append(Problem(doc.file, line, f"facts_from[{i}]",
                                        f"{f} cannot be imported: it is not a valid rules or catalogue file; run `parscore validate {f}`", "PS401"))
                continue
            hasher.update(b"facts_from:" + f.name.encode() + f.read_bytes())
            for section, table in (("facts", rf.facts), ("derived", rf.derived)):
                for name, spec in table.items():
                    if name in avail and avail[name] != spec:
                        ofile, oline = avail_where[name]
                        problems.append(Problem(fdoc.file, fdoc.line((section, name)), f"{section}.{name}",
                                                f"imported twice with different definitions (also {ofile}:{oline})", "PS402"))
                        continue
                    avail.setdefault(name, spec)
                    avail_where.setdefault(name, (fdoc.file, fdoc.line((section, name))))
    for name, spec in list(facts.items()) + list(derived.items()):
        if name in avail and avail[name] != spec:
            ofile, oline = avail_where[name]
            problems.append(Problem(*where[name], name, f"'{name}' is declared here differently from the imported definition "
                                    f"({ofile}:{oline}); delete the local declaration to reuse it, or give the fact another name", "PS402"))
    queue: list[str] = []
    for r in rules:
        queue.append(r.score.fact)
        if r.not_applicable_when is not None:
            queue.append(r.not_applicable_when.fact)
    queue += [a.fact for kind in ("bonus", "penalty") for a, _, _ in adjust[kind]]
    queue += [p for spec in derived.values() for p in spec.inputs]
    queue += [spec.part_of for spec in facts.values() if spec.part_of]
    seen: set[str] = set()
    while queue:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        if name in facts or name in derived or name not in avail:
            continue
        spec = avail[name]
        if isinstance(spec, DerivedSpec):
            derived[name] = spec
            queue += spec.inputs
        else:
            facts[name] = spec
            if spec.part_of:
                queue.append(spec.part_of)
        where[name] = avail_where[name]


def patch_adjustments(adjust: dict[str, list[tuple[AdjustmentRule, Document, int]]], ov: Overlay,
                      doc: Document) -> tuple[Overlay, Document]:
    """An overlay's `rules:` entries naming bonus or penalty rules restate them (they become
    official); the other entries are left for the scoring rules."""
    remaining = dict(ov.rules)
    problems = []
    for kind in ("bonus", "penalty"):
        for i, (r, rdoc, idx) in enumerate(adjust[kind]):
            patch = remaining.pop(r.id, None)
            if patch is None:
                continue
            merged = {**r.model_dump(mode="python", exclude_none=True), **patch, "provenance": "official", "citation": ov.citation}
            try:
                adjust[kind][i] = (AdjustmentRule.model_validate(merged), rdoc, idx)
            except ValidationError as exc:
                from .yamlio import pydantic_problems

                problems.extend(pydantic_problems(doc, exc, prefix=("rules", r.id), code="PS102"))
    if problems:
        raise InputError(problems)
    return ov.model_copy(update={"rules": remaining}), doc


def apply_descriptions(facts: dict[str, FactSpec], derived: dict[str, DerivedSpec], entries: list[Any], problems: list[Problem]) -> None:
    """`describe:` restates how a fact reads at this methodology's scope (e.g. a department's
    own dossiers rather than the province's); the fact itself (type, unit, bounds) is unchanged."""
    from .loading._common import _hint

    for name, text, doc in entries:
        table: Any = facts if name in facts else derived if name in derived else None
        if table is None:
            problems.append(Problem(doc.file, doc.line(("describe", name)), f"describe.{name}",
                                    f"describes '{name}', which no rule of this methodology uses{_hint(name, set(facts) | set(derived))}", "PS417"))
            continue
        table[name] = table[name].model_copy(update={"description": text})


# ---------------------------------------------------------------- loading: checks


def check_conventions(m: Any, mfile: MethodologyFile, doc: Document, rule_docs: dict[str, tuple[Document, int]],
                      adjust: dict[str, list[tuple[AdjustmentRule, Document, int]]], problems: list[Problem]) -> None:
    """Every declared convention is checked: survey policy, bonus/penalty rules and caps, feeds."""
    def add(path: tuple[str | int, ...], fieldname: str, msg: str, code: str) -> None:
        problems.append(Problem(doc.file, doc.line(path), fieldname, msg, code))

    survey_leaves = [s for s in m.leaves.values() if s.assessed_by == "survey"]
    if m.survey is not None:
        if m.survey.when_absent == "rescale" and not m.survey.optional:
            add(("survey", "when_absent"), "survey.when_absent", "'rescale' applies only to an optional survey; add optional: true "
                "or write when_absent: missing", "PS408")
        if m.survey.optional and not survey_leaves:
            add(("survey",), "survey", "the survey is declared optional but no sub-criterion is assessed_by: survey", "PS408")
        if m.survey.optional and mfile.survey_total is None:
            add(("survey",), "survey", "an optional survey needs survey_total (and appraisal_total) declared, "
                "so the split is checked", "PS408")
    for kind in ("bonus", "penalty"):
        cap = getattr(m, kind)
        for adj, adoc, i in adjust[kind]:
            def aadd(path: tuple[str | int, ...], msg: str, code: str, adoc: Document = adoc, i: int = i, adj: AdjustmentRule = adj) -> None:
                problems.append(Problem(adoc.file, adoc.line((kind, i) + path), f"{kind}.{adj.id}", msg, code))

            if cap is None:
                aadd((), f"a {kind} rule needs the methodology to declare its cap: {kind}: {{cap: 5, provenance: reconstructed}}", "PS406")
            if adj.fact not in m.facts:
                hint = " (it is a derived fact: name a reported fact)" if adj.fact in m.derived else ""
                aadd(("fact",), f"reads undeclared fact '{adj.fact}'{hint}; declare it under facts:", "PS407")
                continue
            ftype = m.facts[adj.fact].type
            if adj.points is not None and ftype != "boolean":
                aadd(("points",), f"'points' is given once for a yes/no fact; '{adj.fact}' is {ftype}: use 'each'", "PS407")
            if adj.each is not None and ftype not in ("count", "number", "percent"):
                aadd(("each",), f"'each' multiplies a count or number; '{adj.fact}' is {ftype}: use 'points'", "PS407")
            allowed = {adj.fact, "value", "points", "cap", "each"}
            for lang in ("vi", "en"):
                text = getattr(adj.explain, lang)
                try:
                    names = [n for _, n, _, _ in string.Formatter().parse(text) if n is not None]
                except ValueError:
                    aadd(("explain", lang), "malformed template: write placeholders like {value}, and {{ }} for literal braces", "PS407")
                    continue
                for n in names:
                    if n not in allowed:
                        aadd(("explain", lang), f"template names unknown '{{{n}}}'; allowed: {', '.join(sorted(allowed))}", "PS407")
    feeding = [(r, rule_docs[r.id]) for r in m.rules.values() if r.feeds]
    if feeding and not m.feeds_into:
        r, (rdoc, i) = feeding[0]
        problems.append(Problem(rdoc.file, rdoc.line(("rules", i, "feeds")), f"rules.{r.id}.feeds",
                                "feeds names provincial items, but the methodology declares no feeds_into: "
                                "add feeds_into: par-province-892", "PS404"))
        return
    if m.feeds_into:
        target = load_feeds_target(m, doc)
        if target is None:
            return
        for r, (rdoc, i) in feeding:
            for j, code in enumerate(r.feeds):
                if code not in target.codes:
                    from .loading._common import _hint

                    problems.append(Problem(rdoc.file, rdoc.line(("rules", i, "feeds", j)), f"rules.{r.id}.feeds",
                                            f"'{code}' is not an item of {target.id}{_hint(code, target.codes)}", "PS405"))


_FEEDING: set[str] = set()   # methodologies whose feeds_into is being loaded (a cycle would recurse forever)


def load_feeds_target(m: Any, doc: Document | None = None) -> Any:
    """The methodology a unit methodology's `feeds:` codes name (raises a located PS404)."""
    from .loading import load_methodology, resolve_methodology

    ref = m.feeds_into
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        ref = str(Path(m.path).parent / ref)
    file, line = (doc.file, doc.line(("feeds_into",))) if doc else (m.path, None)
    me = str(Path(m.path).resolve())
    try:
        target = str(resolve_methodology(ref).resolve())
    except InputError as exc:
        raise InputError.one(file, line, "feeds_into", f"'{m.feeds_into}' cannot be loaded ({exc.problems[0].message}); "
                             "name a methodology id such as par-province-892", "PS404") from None
    if target == me or target in _FEEDING:
        raise InputError.one(file, line, "feeds_into", f"'{m.feeds_into}' feeds back into {m.id}; feeds_into names the "
                             "provincial methodology, which feeds nothing", "PS404")
    _FEEDING.add(me)
    try:
        return load_methodology(ref)
    except InputError as exc:
        first = exc.problems[0]
        raise InputError.one(file, line, "feeds_into",
                             f"'{m.feeds_into}' cannot be loaded ({first.message}); name a methodology id such as par-province-892",
                             "PS404") from None
    finally:
        _FEEDING.discard(me)


# ---------------------------------------------------------------- facts files


def unit_keys(data: dict[str, Any], doc: Document, m: Any, add: Any) -> tuple[str | None, bool, dict[str, str]]:
    """`level`, `illustrative` and `not_assigned` of a unit's facts file, checked against the methodology."""
    level = data.get("level")
    if level is not None:
        if level not in LEVELS:
            add(("level",), "level", f"expected one of {', '.join(LEVELS)}, got {level!r}", "PS403")
            level = None
        elif level != m.applies_to:
            add(("level",), "level", f"this file is a {level}'s facts, but {m.id} applies to: {m.applies_to}; "
                f"score it with a {level} methodology (-m ...)", "PS403")
    illustrative = data.get("illustrative", False)
    if not isinstance(illustrative, bool):
        add(("illustrative",), "illustrative", "expected true or false (true: the figures are made up)", "PS409")
        illustrative = False
    raw = data.get("not_assigned")
    out: dict[str, str] = {}
    if raw is None:
        return level, illustrative, out
    if m.denominator != "applicable":
        add(("not_assigned",), "not_assigned", f"{m.id} counts every task for every unit (denominator: fixed); "
            "remove not_assigned, or use a methodology declaring denominator: applicable", "PS400")
        return level, illustrative, out
    if not isinstance(raw, dict):
        add(("not_assigned",), "not_assigned", 'expected a mapping of item code → why the unit has no such task, '
            'e.g. "3.2.1": "không tiếp nhận hồ sơ TTHC"', "PS400")
        return level, illustrative, out
    from .loading._common import texts_by_code

    return level, illustrative, texts_by_code(raw, m.codes, "not_assigned", "unknown item",
                                              "give the reason the unit has no such task (text)", "PS400", add)


# ---------------------------------------------------------------- scoring


def is_unit_methodology(m: Any) -> bool:
    return (m.applies_to != "province" or m.denominator != "fixed" or m.survey is not None
            or bool(m.bonus_rules or m.penalty_rules) or m.feeds_into is not None)


def apply_conventions(m: Any, facts: Any, items: list[ItemResult], lang: str
                      ) -> tuple[list[ItemResult], Decimal, list[dict[str, str]] | None, UnitInfo | None]:
    """Items after the methodology's conventions; the net bonus/penalty; what was applied."""
    if not is_unit_methodology(m) and not facts.not_assigned:
        return items, ZERO, None, None
    out: list[ItemResult] = []
    covered = {code: reason for prefix, reason in facts.not_assigned.items()
               for code in m.leaves if code == prefix or code.startswith(prefix + ".")}
    for it in items:
        if it.code in covered:
            it = it.model_copy(update={"status": "not_applicable", "points": NIL, "deductions": [],
                                       "notes": {**it.notes, "not_assigned": _t("not_assigned", lang).format(reason=covered[it.code])}})
        out.append(it)
    survey_absent = False
    if m.survey is not None and m.survey.optional and m.survey.when_absent == "rescale":
        survey = [it for it in out if it.assessed_by == "survey" and it.status != "not_applicable"]
        if survey and all(it.status == "missing_facts" for it in survey):
            survey_absent = True
            note = _t("survey_absent", lang)
            out = [it.model_copy(update={"status": "not_applicable", "points": NIL, "deductions": [],
                                         "notes": {**it.notes, "survey_absent": note}})
                   if it.assessed_by == "survey" and it.status == "missing_facts" else it for it in out]
    net, applied, used = adjustments(m, facts.values, lang)
    feeds = {code: list(r.feeds) for code, r in m.rules.items() if r.feeds}
    info = UnitInfo(level=m.applies_to, denominator=m.denominator, illustrative=facts.illustrative,
                    survey_absent=survey_absent, not_assigned=dict(sorted(covered.items())),
                    bonus=used.get("bonus"), penalty=used.get("penalty"), feeds_into=m.feeds_into, feeds=feeds)
    return out, net, applied or None, info


def adjustments(m: Any, values: dict[str, Any], lang: str, extra: dict[str, list[tuple[str, Decimal, str]]] | None = None
                ) -> tuple[Decimal, list[dict[str, str]], dict[str, Decimal]]:
    """Bonus and penalty points from facts (and `extra` ones, e.g. given in appraisal
    rounds), each kind capped once; every rule is listed, even at 0."""
    applied: list[dict[str, str]] = []
    used: dict[str, Decimal] = {}
    net = ZERO
    for kind, sign in (("bonus", 1), ("penalty", -1)):
        rules = m.bonus_rules if kind == "bonus" else m.penalty_rules
        more = (extra or {}).get(kind, [])
        if not rules and not more:
            continue
        cap = getattr(m, kind).cap
        raw = ZERO
        for r in rules:
            v = values.get(r.fact)
            if v is None:
                applied.append({"kind": kind, "id": r.id, "points": "0",
                                "reason": _t("missing_adjustment", lang).format(fact=r.fact)})
                continue
            if r.points is not None:
                pts = r.points if v == r.when else ZERO
            else:
                pts = (r.each * Decimal(v)).quantize(Decimal("0.01"))
            raw += pts
            text = r.explain.get(lang).format(**{r.fact: _show(v, lang), "value": _show(v, lang), "points": fmt_number(pts, lang),
                                                 "cap": fmt_number(cap, lang), "each": fmt_number(r.each or ZERO, lang)})
            applied.append({"kind": kind, "id": r.id, "points": _plain(pts), "reason": text})
        for rid, pts, reason in more:
            raw += pts
            applied.append({"kind": kind, "id": rid, "points": _plain(pts), "reason": reason})
        take = min(raw, cap)
        if take < raw:
            applied.append({"kind": kind, "id": "cap", "points": _plain(cap),
                            "reason": _t("cap", lang).format(kind=_t(kind, lang), raw=fmt_number(raw, lang), cap=fmt_number(cap, lang))})
        used[kind] = take
        net += sign * take
    return net, applied, used


def _plain(d: Decimal) -> str:
    return format(d.normalize(), "f") if d != 0 else "0"


def _show(v: Any, lang: str) -> str:
    if isinstance(v, bool):
        return _t("true" if v else "false", lang)
    if isinstance(v, (int, Decimal)):
        return fmt_number(v, lang)
    return str(v)


def conventions_text(m: Any, lang: str) -> dict[str, str]:
    """How this methodology's conventions count, in words, added to a card's `counting`."""
    out = {"denominator": _t(f"denominator_{m.denominator}", lang)}
    if m.survey is not None and m.survey.optional and m.survey.when_absent == "rescale":
        out["survey"] = _t("survey_optional", lang)
    for kind in ("bonus", "penalty"):
        cap = getattr(m, kind)
        if cap is not None:
            word = _t(kind, lang)   # English starts the sentence with it
            out[kind] = _t("adjustment_cap", lang).format(kind=word.capitalize() if lang == "en" else word,
                                                         cap=fmt_number(cap.cap, lang))
    return out

