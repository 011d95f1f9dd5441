"""Steps shared by the command line and the web server, so both give the same answers:
which methodology a facts document names, loading facts (YAML or a filled workbook),
the projected rank and lead-unit totals added to a scorecard, and a target index.
"""
from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import InputError
from .loading import (  # methodology_ref and DEFAULT_METHODOLOGY are re-exported: the server uses them
    DEFAULT_METHODOLOGY as DEFAULT_METHODOLOGY, Facts, Methodology, facts_from_document, load_methodology, methodology_of_document,
    methodology_ref as methodology_ref, read_facts_document,
)
from .models import Scorecard, UnitRow
from .peers import PeerTable, comma_point, project_rank, rank_info
from .units import LeadUnits, totals_by_unit

def load_inputs(path: str | os.PathLike[str], methodology: str | None = None,
                overlay: str | os.PathLike[str] | None = None, strict: bool = True,
                lang: str = "vi") -> tuple[Methodology, Facts]:
    """A facts file (.yaml, or a filled .xlsx template) and the methodology it is judged under;
    `lang` is the language of a workbook's cell messages."""
    if str(path).lower().endswith(".xlsx"):
        from .excel import import_xlsx   # openpyxl, only for a workbook

        m = load_methodology(methodology or DEFAULT_METHODOLOGY, overlay=overlay)
        return m, import_xlsx(path, m, lang)[0]
    doc = read_facts_document(path)
    m = methodology_of_document(doc, methodology, overlay)   # an unknown one is located at its line
    return m, facts_from_document(doc, m, strict=strict)


def with_extras(card: Scorecard, facts: Facts, peers: PeerTable | None, units: LeadUnits | None) -> Scorecard:
    """The scorecard with its projected rank among `peers` and points by lead unit, when given."""
    extra: dict[str, Any] = {}
    if peers is not None:
        extra["rank"] = rank_info(card, peers, facts.agency.code)   # among the peers of the card's year
    if units is not None:
        extra["by_unit"] = [UnitRow(unit=u.name, items=u.items, points=u.points, max=u.max, lost=u.lost)
                            for u in totals_by_unit(card, units)]
    return card.model_copy(update=extra)


def plan_context(p: Any, facts: Facts, peers: PeerTable | None, units: LeadUnits | None) -> dict[str, Any]:
    """The rank before and after a plan, and the points by lead unit: `render_plan`'s extras."""
    rank = rank_after = None
    if peers is not None:
        rank = project_rank(p.before.index, peers, facts.agency.code, facts.year)
        if p.after is not None:
            rank_after = project_rank(p.after.index, peers, facts.agency.code, facts.year)
    by_unit = totals_by_unit(p.before, units) if units is not None else None
    return {"rank": rank, "rank_after": rank_after, "by_unit": by_unit}


def parse_target(raw: str, where: str = "--target", field: str = "target") -> Decimal:
    """A target index 0–100; one decimal comma (92,5) is read as a decimal point."""
    raw = str(raw).strip()
    try:
        d = Decimal(comma_point(raw))
    except InvalidOperation:
        raise InputError.one(where, None, field, f"expected an index such as 92 or 92.5, got {raw!r}", "PS132") from None
    if not d.is_finite() or not Decimal(0) <= d <= Decimal(100):
        raise InputError.one(where, None, field, f"an index lies within 0–100, got {raw}", "PS132")
    return d


def facts_document(facts: Facts) -> dict[str, Any]:
    """A Facts set as a facts-file mapping (YAML-ready): what `facts_from_document` reads back
    to the same values, evidence, notes, claims and explanations. A lead-unit path is left out."""
    from .excel.reader import _yaml_value

    out: dict[str, Any] = {}
    if not (facts.agency.code == "unknown" and facts.agency.name == "—"):
        out["agency"] = {"code": facts.agency.code, "name": facts.agency.name}
    if facts.year is not None:
        out["year"] = facts.year
    if facts.methodology:
        out["methodology"] = facts.methodology
    values: dict[str, Any] = {}
    for name, v in facts.values.items():
        ev = facts.evidence.get(name)
        note = facts.notes.get(name)
        if ev or note:
            entry: dict[str, Any] = {"value": _yaml_value(v)}
            if ev:
                dumped = [{k: x for k, x in e.model_dump().items() if x is not None} for e in ev]
                entry["evidence"] = dumped[0] if len(dumped) == 1 else dumped
            if note:
                entry["note"] = note
            values[name] = entry
        else:
            values[name] = _yaml_value(v)
    for name, note in facts.notes.items():
        if name not in values:
            values[name] = {"value": None, "note": note}
    out["facts"] = values
    if facts.claimed:
        out["claimed"] = {k: _yaml_value(v) for k, v in facts.claimed.items()}
    if facts.claimed_total is not None:
        out["claimed_total"] = _yaml_value(facts.claimed_total)
    if facts.explanations:
        out["explanations"] = dict(facts.explanations)
    return out
