"""Lead units as data: which unit leads (and which co-operate on) each field,
criterion or sub-criterion. The most specific entry wins, so "Văn phòng UBND tỉnh
leads 1.6" overrides "Sở Nội vụ leads field 1".
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from .errors import InputError, Problem
from .i18n import text
from .loading import Methodology
from .models import Scorecard, Text
from .yamlio import load_model


class Unit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Text


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    lead: str
    cooperating: list[str] = Field(default_factory=list)


class AssignmentFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    agency: str
    source: str
    units: dict[str, Unit] = Field(min_length=1)
    assign: dict[str, Assignment] = Field(min_length=1)


@dataclass(frozen=True)
class LeadUnits:
    file: str
    source: str
    units: dict[str, Unit]
    assign: dict[str, Assignment]
    agency: str | None = None   # whose units these are (the assignment file's agency)

    def for_item(self, code: str) -> Assignment | None:
        """The most specific assignment covering a code: '1.6.1', then '1.6', then '1'."""
        parts = code.split(".")
        for n in range(len(parts), 0, -1):
            found = self.assign.get(".".join(parts[:n]))
            if found is not None:
                return found
        return None

    def name(self, unit: str | None, lang: str) -> str:
        if unit is None:
            return str(text("units", lang)["unassigned"])
        return self.units[unit].name.get(lang)


def load_lead_units(path: str | os.PathLike[str], m: Methodology) -> LeadUnits:
    af: AssignmentFile
    af, doc = load_model(os.fspath(path), AssignmentFile, "PS110", "a mapping with agency, source, units and assign")
    codes = m.codes
    problems = []
    for code, a in af.assign.items():
        line = doc.line(("assign", code))
        if code not in codes:
            problems.append(Problem(doc.file, line, f"assign.{code}", f"'{code}' is not a field, criterion or sub-criterion of {m.id}", "PS111"))
        for u in [a.lead, *a.cooperating]:
            if u not in af.units:
                problems.append(Problem(doc.file, line, f"assign.{code}", f"unit '{u}' is not declared under units:", "PS112"))
    if problems:
        raise InputError(problems)
    return LeadUnits(doc.file, af.source, dict(af.units), dict(af.assign), af.agency)


def check_units_agency(units: LeadUnits | None, agency: str) -> None:
    """Refuse another agency's lead units: its departments would be named as leading this one's
    improvements (an assignment is one agency's, as its `agency:` says)."""
    if units is not None and units.agency and agency not in ("unknown", "?") and units.agency != agency:
        raise InputError.one(units.file, None, "agency", f"the lead units of {units.agency}, but the facts are {agency}'s; "
                             "give this agency's lead-unit file", "PS113")


@dataclass(frozen=True)
class UnitTotals:
    unit: str | None
    name: str
    items: int
    points: Decimal
    max: Decimal
    lost: Decimal


def totals_by_unit(card: Scorecard, units: LeadUnits) -> list[UnitTotals]:
    """Points held, lost and at stake (the applicable maximum) for each lead unit."""
    acc: dict[str | None, list[Decimal]] = {}
    for it in card.items:
        if it.status == "not_applicable":
            continue
        a = units.for_item(it.code)
        key = a.lead if a else None
        row = acc.setdefault(key, [Decimal(0), Decimal(0), Decimal(0)])
        row[0] += 1
        row[1] += it.points
        row[2] += it.max
    order = list(units.units) + [None]
    return [UnitTotals(u, units.name(u, card.lang), int(acc[u][0]), acc[u][1], acc[u][2], acc[u][2] - acc[u][1])
            for u in order if u in acc]


def with_leads(units: LeadUnits | None, leads: dict[str, str], file: str = "leads") -> LeadUnits | None:
    """The assignment with a facts file's `leads:` (code → unit name, e.g. edited in a
    workbook) laid over it. A name matching a declared unit (in either language) is that
    unit; any other name becomes a unit of its own."""
    if not leads:
        return units
    declared = dict(units.units) if units else {}
    assign = dict(units.assign) if units else {}
    by_name = {" ".join(n.split()).casefold(): key for key, u in declared.items() for n in (u.name.vi, u.name.en)}
    for code, name in leads.items():
        key = by_name.get(name.casefold())
        if key is None:
            key = f"unit-{len(declared) + 1}"
            while key in declared:
                key += "x"
            declared[key] = Unit(name=Text(vi=name, en=name))
            by_name[name.casefold()] = key
        old = assign.get(code)
        assign[code] = Assignment(lead=key, cooperating=[u for u in (old.cooperating if old else []) if u != key])
    return LeadUnits(units.file if units else file, units.source if units else file, declared, assign,
                     units.agency if units else None)
