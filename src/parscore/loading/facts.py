"""Loading a facts file: the agency's values typed against the methodology's catalogue,
with evidence, claims, lead units, last year's file, and the contradictions between facts.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Mapping

from pydantic import ValidationError

from ..errors import InputError, Problem
from ..dates import parse_date
from ..models import FactValue, Methodology, Agency, Evidence, FactSpec
from ..yamlio import Document, load_yaml, pydantic_problems
from ._common import _fmt, _hint, _show, texts_by_code
from .methodology import load_methodology


# ---------------------------------------------------------------- facts


@dataclass(frozen=True)
class Facts:
    """One agency's reported facts for one year, typed against a methodology's catalogue."""

    file: str
    agency: Agency
    year: int | None          # None when the file does not say; history needs it
    methodology: str | None
    values: dict[str, FactValue]
    evidence: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)
    claimed: dict[str, Decimal] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    lead_units: str | None = None   # path of the agency's lead-unit assignment, if it names one
    explanations: dict[str, str] = field(default_factory=dict)   # giải trình per item code
    claimed_total: Decimal | None = None
    contradictions: tuple[Problem, ...] = ()   # kept (not raised) when loaded for an audit
    notes: dict[str, str] = field(default_factory=dict)   # a fact's `note:`, e.g. why it is unknown
    locations: dict[str, str] = field(default_factory=dict)   # where a person fills a fact in: `Lĩnh vực 6!D5`
    leads: dict[str, str] = field(default_factory=dict)   # `leads:` code → lead unit name, overriding lead_units
    baseline: "Facts | None" = None   # last year's facts file, named by `baseline:`
    projected: dict[str, FactValue] = field(default_factory=dict)   # facts filled from a baseline (--baseline)
    projection_source: str | None = None
    level: str | None = None        # department | commune | province, when the file says
    illustrative: bool = False      # the figures are made up (fixtures, training)
    not_assigned: dict[str, str] = field(default_factory=dict)   # item code -> why the unit has no such task

    def with_values(self, changes: Mapping[str, FactValue | None]) -> "Facts":
        values = dict(self.values)
        for k, v in changes.items():
            if v is None:
                values.pop(k, None)
            else:
                values[k] = v
        # a value set here is this year's, no longer last year's projection
        projected = {k: v for k, v in self.projected.items() if k not in changes}
        return replace(self, values=values, projected=projected)


FACTS_KEYS = {"agency", "year", "methodology", "facts", "claimed", "note", "lead_units", "leads", "explanations",
              "claimed_total", "baseline", "level", "illustrative", "not_assigned"}


DEFAULT_METHODOLOGY = "par-province-892"


def methodology_ref(doc: Document, override: str | None = None, allow_paths: bool = True) -> str:
    """`override` wins; else the document's own `methodology:` (a path there is relative to
    the file); else the default. With `allow_paths=False` (a document that came over HTTP)
    only an id is accepted: nothing a request says may name a file."""
    if override:
        return override
    ref = doc.data.get("methodology")
    if ref is None:
        return DEFAULT_METHODOLOGY
    if not isinstance(ref, str) or not ref.strip():
        raise InputError.one(doc.file, doc.line(("methodology",)), "methodology",
                             "expected a methodology id such as par-province-892, or a path to a .yaml file", "PS071")
    looks_like_path = ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref or ref.startswith(".")
    if looks_like_path and not allow_paths:
        raise InputError.one(doc.file, doc.line(("methodology",)), "methodology",
                             f"'{ref}' is a path; over HTTP only a methodology id is accepted, e.g. {DEFAULT_METHODOLOGY}", "PS350")
    if ref.endswith((".yaml", ".yml")):
        return str(Path(doc.file).parent / ref)
    return ref


def methodology_of_document(doc: Document, override: str | None = None, overlay: Any = None) -> Methodology:
    """The methodology a facts file names (`methodology_ref`), or `override`; an unknown one
    the file names is reported at the facts file's `methodology:` line."""
    ref = methodology_ref(doc, override)
    try:
        return load_methodology(ref, overlay=overlay)
    except InputError as exc:
        named_here = not override and doc.data.get("methodology") is not None
        if named_here and len(exc.problems) == 1 and exc.problems[0].code == "PS020":
            raise InputError.one(doc.file, doc.line(("methodology",)), "methodology", exc.problems[0].message, "PS020") from None
        raise


def read_facts_document(path: str | os.PathLike[str]) -> Document:
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError.one(doc.file, 1, "", "expected a facts mapping with agency, year and facts", "PS070")
    return doc


def load_facts(path: str | os.PathLike[str], methodology: Methodology, strict: bool = True) -> Facts:
    """Read a facts file and check every value against the fact catalogue.

    `strict=False` (the audit) keeps facts that contradict each other, such as a part
    larger than its whole, as findings instead of refusing the file.
    """
    doc = read_facts_document(path)
    return facts_from_document(doc, methodology, strict)


def facts_from_document(doc: Document, m: Methodology, strict: bool = True, nested_baseline: bool = True) -> Facts:
    data = doc.data
    problems: list[Problem] = []

    def add(path: tuple[str | int, ...], fieldname: str, msg: str, code: str) -> None:
        problems.append(Problem(doc.file, doc.line(path), fieldname, msg, code))

    for key in data:
        if key not in FACTS_KEYS:
            add((key,), str(key), f"unknown key{_hint(str(key), FACTS_KEYS)}; expected one of {', '.join(sorted(FACTS_KEYS))}", "PS071")
    agency = _agency(data.get("agency"), add)
    year = data.get("year")
    if "year" in data and (isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100):
        add(("year",), "year", f"expected a year such as 2025, got {_show(year)}", "PS072")
        year = None
    mref = data.get("methodology")
    if mref is not None and not isinstance(mref, str):
        add(("methodology",), "methodology", "expected a methodology id such as par-province-892", "PS071")
        mref = None
    raw = data.get("facts")
    values: dict[str, FactValue] = {}
    evidence: dict[str, tuple[Evidence, ...]] = {}
    notes: dict[str, str] = {}
    lines: dict[str, int] = {}
    if raw is None:
        add(("facts",), "facts", "no 'facts:' mapping; list the facts the agency reports", "PS073")
        raw = {}
    elif not isinstance(raw, dict):
        add(("facts",), "facts", "expected a mapping of fact name → value", "PS073")
        raw = {}
    located = bool(doc.lines)   # a JSON Lines record has no lines
    if not located:
        lines = {str(name): 0 for name in raw}
    spec_of, derived, quick_of = m.facts.get, m.derived, _quick_table(m).get
    for name, entry in raw.items():
        path: tuple[str | int, ...] = ("facts", name)
        if located:
            lines[str(name)] = doc.line(path) or 0
        quick = quick_of(name)
        if quick is not None:
            bounds = quick.get(type(entry))
            if bounds is not None and bounds[0] <= entry <= bounds[1]:
                values[name] = entry if bounds[2] is None else bounds[2](entry)   # valid as it is (`_typed` agrees)
                continue
        spec = spec_of(name)
        if spec is not None and entry is not None and not isinstance(entry, dict) and name not in derived:
            try:   # a bare value: checked without building its error reporter
                typed_v = _typed(entry, spec, _fail)
            except _Invalid:
                typed_v = _typed(entry, spec, lambda msg, p=path, f=f"facts.{name}": add(p, f, msg, "PS078"))
            if typed_v is not None:
                values[name] = typed_v
            continue
        fieldname = f"facts.{name}"
        if name in m.derived:
            # a derived fact may be given directly when its inputs are not reported
            value = entry.get("value") if isinstance(entry, dict) else entry
            if isinstance(entry, dict) and entry.get("evidence") is not None:
                add(path, fieldname, "evidence belongs on the reported facts; give this derived value bare", "PS076")
                continue
            if value is None:
                continue
            typed_d = _derived_value(value, m, str(name), lambda msg, p=path, f=fieldname: add(p, f, msg, "PS078"))
            if typed_d is not None:
                values[name] = typed_d
            continue
        if name not in m.facts:
            add(path, fieldname, f"unknown fact '{name}'{_hint(str(name), set(m.facts))}; `parscore facts` lists the catalogue", "PS075")
            continue
        value = entry
        if isinstance(entry, dict):
            extra = set(entry) - {"value", "evidence", "note"}
            if extra:
                add(path, fieldname, f"unknown key(s) {', '.join(sorted(map(str, extra)))}; a fact takes value, evidence, note", "PS076")
                continue
            value = entry.get("value")
            ev = entry.get("evidence")
            if ev is not None:
                items = ev if isinstance(ev, list) else [ev]
                parsed = []
                for i, e in enumerate(items):
                    if not isinstance(e, dict):
                        add(path + ("evidence",), fieldname + ".evidence", "evidence is written as a mapping, e.g. "
                            '{number: "45/BC-SNV", date: 2025-11-20, issuer: "Sở Nội vụ"}', "PS077")
                        continue
                    try:
                        parsed.append(Evidence.model_validate(e))
                    except ValidationError as exc:
                        problems.extend(pydantic_problems(doc, exc, prefix=path + ("evidence",) + ((i,) if isinstance(ev, list) else ()), code="PS077"))
                evidence[name] = tuple(parsed)
            if entry.get("note") is not None:
                notes[str(name)] = str(entry["note"])
        if value is None:
            continue  # stated as unknown: a missing fact, shown as such
        typed = _typed(value, m.facts[name], lambda msg, p=path + (("value",) if isinstance(entry, dict) else ()), f=fieldname: add(p, f, msg, "PS078"))
        if typed is not None:
            values[name] = typed
    for name in [n for n in values if n in m.derived]:
        inputs = m.derived[name].inputs
        if all(i in values for i in inputs):
            add(("facts", name), f"facts.{name}", f"'{name}' is computed from {', '.join(inputs)}, which are given too; "
                "give either the value or its inputs, not both", "PS074")
    contradictions = find_contradictions(values, m, doc.file, lambda n: doc.line(("facts", n)))
    if strict:
        problems.extend(contradictions)
    claimed = _claimed(data.get("claimed"), m, add)
    explanations = data.get("explanations") or {}
    if not isinstance(explanations, dict) or not all(isinstance(v, str) for v in explanations.values()):
        add(("explanations",), "explanations", "expected a mapping of sub-criterion code → explanation text (giải trình)", "PS082")
        explanations = {}
    claimed_total = None
    if data.get("claimed_total") is not None:
        claimed_total = _number(data["claimed_total"], lambda msg: add(("claimed_total",), "claimed_total", msg, "PS081"))
    baseline = _baseline(data.get("baseline"), doc, m, year, strict, add, agency.code) if nested_baseline else None
    units = data.get("lead_units")
    if units is not None and not isinstance(units, str):
        add(("lead_units",), "lead_units", "expected the path of a lead-unit assignment file", "PS071")
        units = None
    leads = _leads(data.get("leads"), m, add)
    from ..conventions import unit_keys

    level, illustrative, not_assigned = unit_keys(data, doc, m, add)
    if problems:
        raise InputError(problems)
    units_path = str(Path(doc.file).parent / units) if units else None
    return Facts(doc.file, agency, year, mref, values, evidence, claimed, lines, units_path,
                 {str(k): v for k, v in explanations.items()}, claimed_total, tuple(contradictions), notes,
                 leads=leads, baseline=baseline, level=level, illustrative=illustrative, not_assigned=not_assigned)


def _leads(raw: Any, m: Methodology, add: Any) -> dict[str, str]:
    """`leads:` field, criterion or sub-criterion code → the lead unit's name (as a workbook gives it)."""
    out: dict[str, str] = {}
    if raw is None:
        return out
    if not isinstance(raw, dict):
        add(("leads",), "leads", "expected a mapping of sub-criterion code → lead unit name", "PS270")
        return out
    return texts_by_code(raw, m.codes, "leads", "unknown code", "expected the lead unit's name as text", "PS270", add)


def _baseline(ref: Any, doc: Document, m: Methodology, year: int | None, strict: bool, add: Any,
              agency: str = "unknown") -> "Facts | None":
    """Last year's facts file named by `baseline:` (relative to this file). Its own
    baseline is not followed: one year back is what rules compare with."""
    if ref is None:
        return None
    if not isinstance(ref, str) or not ref.strip():
        add(("baseline",), "baseline", "expected the path of last year's facts file, e.g. baseline: ca-mau-2024.yaml", "PS304")
        return None
    path = Path(doc.file).parent / ref
    if not path.is_file():
        add(("baseline",), "baseline", f"last year's facts file '{ref}' was not found (looked for {path}); "
            "the path is relative to this facts file", "PS304")
        return None
    try:
        base = facts_from_document(read_facts_document(path), m, strict, nested_baseline=False)
    except InputError as exc:
        add(("baseline",), "baseline", f"last year's facts file '{ref}' has {len(exc.problems)} problem(s), "
            f"the first: {exc.problems[0]}", "PS304")
        return None
    if year is not None and base.year is not None and base.year >= year:
        add(("baseline",), "baseline", f"the baseline '{ref}' is for {base.year}, not a year before {year}; "
            "name the previous year's facts file", "PS305")
        return None
    if agency not in ("unknown", "?") and base.agency.code not in ("unknown", agency):
        add(("baseline",), "baseline", f"the baseline '{ref}' is for the agency '{base.agency.code}', not '{agency}'; "
            "name this agency's own facts file of the previous year", "PS305")
        return None
    return base


def _derived_value(v: Any, m: Methodology, name: str, bad: Any) -> Decimal | None:
    """A derived fact given directly: a number within what its formula can produce."""
    spec = m.derived[name]
    num = _number(v, bad)
    if num is None:
        return None
    if abs(num) > _LIMIT:
        bad(f"{v} is out of range (limit ±10^15)")
        return None
    if spec.ratio:
        part, whole = spec.ratio
        if num < 0:
            bad(f"a ratio cannot be negative, got {v}")
            return None
        if m.facts.get(part) is not None and m.facts[part].part_of == whole and num > 100:
            bad(f"a percentage must lie within 0–100, got {v} (write 95 for 95%)")
            return None
    return num


# The longest an agency's code and name may be: a real name is a few dozen characters, and a
# longer one would be cut in a workbook's cell (32,767 characters) and fill every report.
MAX_AGENCY_CODE, MAX_AGENCY_NAME = 100, 500


def _agency(raw: Any, add: Any) -> Agency:
    if raw is None:  # not given: scored anyway, shown as unnamed
        return Agency(code="unknown", name="—")
    agency = None
    if isinstance(raw, str) and raw.strip():
        agency = Agency(code=re.sub(r"\W+", "-", raw.lower()).strip("-"), name=raw)
    elif isinstance(raw, dict):
        try:
            agency = Agency.model_validate(raw)
        except ValidationError:
            pass
    if agency is None:
        add(("agency",), "agency", "expected the agency: a name, or {code: ..., name: ...}", "PS072")
        return Agency(code="?", name="?")
    for what, value, most in (("code", agency.code, MAX_AGENCY_CODE), ("name", agency.name, MAX_AGENCY_NAME)):
        if len(value) > most:
            add(("agency",), "agency", f"the agency's {what} is {len(value)} characters long; it may have at most {most}",
                "PS072")
            return Agency(code="?", name="?")
    return agency


def _claimed(raw: Any, m: Methodology, add: Any) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    if raw is None:
        return out
    if not isinstance(raw, dict):
        add(("claimed",), "claimed", "expected a mapping of sub-criterion code → self-assessed points", "PS080")
        return out
    leaves = m.leaves
    for code, pts in raw.items():
        code_s = str(code)
        if code_s not in leaves:
            add(("claimed", code), f"claimed.{code_s}", f"unknown sub-criterion '{code_s}'{_hint(code_s, set(leaves))}", "PS080")
            continue
        num = _number(pts, lambda msg: add(("claimed", code), f"claimed.{code_s}", msg, "PS081"))
        if num is None:
            continue
        if num < 0:
            add(("claimed", code), f"claimed.{code_s}", f"self-assessed points cannot be negative, got {pts}", "PS081")
            continue
        out[code_s] = num
    return out


def _number(v: Any, bad: Any) -> Decimal | None:
    """A plain number; strings are rejected with the fix, never guessed."""
    if isinstance(v, bool):
        bad(f"expected a number, got {str(v).lower()}")
        return None
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        if math.isnan(v):
            bad("expected a number, got .nan (not a number)")
            return None
        if math.isinf(v):
            bad("the number is too large (or written as .inf); write digits such as 1234.5")
            return None
        return Decimal(repr(v))
    if isinstance(v, str):
        s = v.strip()
        if re.fullmatch(r"-?\d+,\d+", s):
            bad(f"'{v}' uses a decimal comma; write {s.replace(',', '.')} (a dot, without quotes)")
        elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", s) or re.fullmatch(r"-?\d{1,3}(,\d{3})+", s):
            bad(f"'{v}' has thousands separators; write {re.sub('[.,]', '', s)} (digits only, without quotes)")
        elif re.fullmatch(r"-?\d+(\.\d+)?\s*%", s):
            bad(f"'{v}' has a % sign; write the number alone, {s.rstrip('% ')} (the unit is declared in the catalogue)")
        elif (words := re.fullmatch(r"(-?\d+(?:\.\d+)?)\s+(\D.*)", s)) is not None:   # "83 đơn vị", "4 cuộc"
            bad(f"'{v}' has words after the number; write the number alone, {words.group(1)} "
                "(the unit is declared in the catalogue)")
        else:
            try:
                d = Decimal(s)
                if not d.is_finite() or abs(d) > Decimal(10) ** 15 or "e" in s.lower():
                    bad(f"'{v}' is not a plain number within range; write digits such as 1234.5")
                else:
                    bad(f"'{v}' is quoted text; write the number without quotes")
            except InvalidOperation:
                bad(f"expected a number, got text '{v}'")
        return None
    bad(f"expected a number, got {type(v).__name__}")
    return None


class _Invalid(Exception):
    """A value `_typed` refuses, found without a reporter (it is checked again with one)."""


def _fail(msg: str) -> None:
    raise _Invalid(msg)


_MAX_COUNT = 10 ** 12
_LIMIT = Decimal(10) ** 15


def _float_decimal(v: float) -> Decimal:
    return Decimal(repr(v))


# The values `_typed` takes as they are, by declared type and the value's exact type: (lowest,
# highest, conversion or None). A bare value within the bounds of a fact without its own min
# or max is read without `_typed`'s checks (each one's answer is known); any other goes
# through them. A float's bounds hold for its shortest text too (what `_number` reads):
# that text rounds to the float, so it lies on the same side of a whole-number bound.
# NaN fails every comparison, so it goes through `_typed`, which refuses it.
_QUICK: dict[str, dict[type, tuple[Any, Any, Any]]] = {
    "count": {int: (0, _MAX_COUNT, None)},
    "boolean": {bool: (False, True, None)},
    "percent": {int: (0, 100, Decimal), float: (0.0, 100.0, _float_decimal)},
    "number": {int: (-10 ** 15, 10 ** 15, Decimal), float: (-1e15, 1e15, _float_decimal)},
}


def _quick_table(m: Methodology) -> dict[str, dict[type, tuple[Any, Any, Any]]]:
    """`_QUICK` by reported fact name, for the facts without a min or max of their own (once per methodology)."""
    table: dict[str, dict[type, tuple[Any, Any, Any]]] | None = m.cache.get("quick facts")
    if table is None:
        table = m.cache["quick facts"] = {n: _QUICK[s.type] for n, s in m.facts.items()
                                          if s.type in _QUICK and s.min is None and s.max is None and n not in m.derived}
    return table


def _typed(v: Any, spec: FactSpec, bad: Any) -> FactValue | None:
    if spec.type == "boolean":
        if isinstance(v, bool):
            return v
        word = v.strip().lower() if isinstance(v, str) else None
        if word in ("có", "không"):   # what `parscore facts` shows as the type (có/không); YAML itself has no such words
            return word == "có"
        if word in ("yes", "no", "true", "false", "co", "khong"):
            bad(f"expected true or false, got the text '{v}'; write true or false, without quotes")
        else:
            bad(f"expected true or false (yes/no), got {_show(v)}")
        return None
    if spec.type == "date":
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        if isinstance(v, str):
            try:
                return parse_date(v)
            except ValueError as exc:
                bad(str(exc))
                return None
        bad(f"expected a real date written dd/mm/yyyy or YYYY-MM-DD, got {v!r}")
        return None
    if type(v) is int and spec.type == "count" and 0 <= v <= _MAX_COUNT:   # the common case, as checked below
        return v
    num = _number(v, bad)
    if num is None:
        return None
    if spec.type == "count":
        if num != num.to_integral_value():
            bad(f"a count must be a whole number, got {v} (write 1234 for one thousand two hundred thirty-four: no separators)")
            return None
        if num < 0:
            bad(f"a count cannot be negative, got {v}")
            return None
        if num > _MAX_COUNT:
            bad(f"{v} is not a plausible count (limit 10^12)")
            return None
        return int(num)
    if spec.type == "percent":
        if num < 0 or num > 100:
            bad(f"a percentage must lie within 0–100, got {v} (write 95 for 95%)")
            return None
    if abs(num) > _LIMIT:
        bad(f"{v} is out of range (limit ±10^15)")
        return None
    if spec.min is not None and num < spec.min:
        bad(f"must be at least {_fmt(spec.min)}, got {v}")
        return None
    if spec.max is not None and num > spec.max:
        bad(f"must be at most {_fmt(spec.max)}, got {v}")
        return None
    return num


def parse_fact_value(name: str, raw: Any, m: Methodology, file: str = "--set") -> FactValue | None:
    """A what-if value a person typed (`simulate --set NAME=VALUE`, the web page's what-if):
    text is read as a facts file's value is (`25`, `true`, `2025-05-15`, with its number
    traps), then checked like one. Nothing, or `null`, makes the fact missing, as if it had
    not been reported."""
    from ..yamlio import read_value

    value = (None if not raw.strip() else read_value(raw, file, name)) if isinstance(raw, str) else raw
    if value is None:
        if name not in m.facts:
            check_fact_value(name, 0, m, file, None)   # the located "unknown fact" problem
        return None
    return check_fact_value(name, value, m, file, None)


def check_fact_value(name: str, value: Any, m: Methodology, file: str, line: int | None) -> FactValue:
    """One value checked against the catalogue, as in a facts file."""
    if name not in m.facts:
        where = (f"is computed from {', '.join(m.derived[name].inputs)}; change those instead" if name in m.derived
                 else f"is not in the catalogue{_hint(name, set(m.facts))}")
        raise InputError.one(file, line, name, f"'{name}' {where}", "PS075")
    errors: list[str] = []
    typed = _typed(value, m.facts[name], errors.append)
    if typed is None:
        raise InputError.one(file, line, name, errors[0] if errors else "expected a value", "PS078")
    return typed


def find_contradictions(values: dict[str, FactValue], m: Methodology, file: str,
                        line_of: Callable[[str], int | None] = lambda _: None) -> list[Problem]:
    """Reported facts that contradict each other: a part larger than its whole, or a
    declared constraint (rules files' `constraints:`) that does not hold. A constraint is
    checked only when every fact it names is given."""
    out: list[Problem] = []
    wholes = m.wholes
    for name, value in values.items():
        whole = wholes.get(name)
        if whole is not None and whole in values and value > values[whole]:  # type: ignore[operator]
            out.append(Problem(file, line_of(name), f"facts.{name}", f"{name} = {value} is larger than its whole "
                               f"{whole} = {values[whole]}; a part cannot exceed its whole", "PS079"))
    for con in m.fact_constraints:
        if not all(n in values for n in con.names):
            continue
        relation, other = con.relation
        left = sum((Decimal(values[n]) for n in con.sum), Decimal(0))  # type: ignore[arg-type]
        right = sum((Decimal(values[n]) for n in other), Decimal(0))  # type: ignore[arg-type]
        holds = {"equals": left == right, "at_most": left <= right, "at_least": left >= right}[relation]
        if holds:
            continue
        lines = {n: line_of(n) for n in con.names}
        first = min(con.names, key=lambda n: (lines[n] is None, lines[n] or 0))
        others = sorted({ln for n, ln in lines.items() if ln is not None and n != first})
        need = {"equals": "must equal", "at_most": "must be at most", "at_least": "must be at least"}[relation]
        rfile, rline = m.fact_constraint_files.get(con.id, ("", None))
        out.append(Problem(file, lines[first], f"facts.{first}",
                           f"{_expr(con.sum, values)} {need} {_expr(other, values)}: {con.why.en}; correct whichever "
                           f"figure is wrong{' (see also line' + ('s ' if len(others) > 1 else ' ') + ', '.join(map(str, others)) + ')' if others else ''} "
                           f"(constraint {con.id}, {rfile}{':' + str(rline) if rline else ''})", "PS202"))
    return out


def _expr(names: list[str], values: dict[str, FactValue]) -> str:
    total = sum((Decimal(values[n]) for n in names), Decimal(0))  # type: ignore[arg-type]
    if len(names) == 1:
        return f"{names[0]} = {_fmt(total)}"
    return f"{' + '.join(names)} = {' + '.join(_fmt(Decimal(values[n])) for n in names)} = {_fmt(total)}"  # type: ignore[arg-type]


def check_parts(values: dict[str, FactValue], m: Methodology, file: str) -> None:
    """Facts never contradict each other (`find_contradictions`), whichever way they were given."""
    problems = find_contradictions(values, m, file)
    if problems:
        raise InputError(problems)
