"""What-if simulation: change some facts, rescore on the same engine, and show what
moves: items before and after, explanations that disappear and appear, and the
change in total, index, group and (with peers) rank.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import InputError
from .evaluation import canonical
from .loading import FactValue, Facts, Methodology, check_fact_value, check_parts
from .models import Points, Scorecard
from .peers import PeerTable, project_rank
from .scorecard import score
from .yamlio import load_yaml

if TYPE_CHECKING:
    from .units import LeadUnits


class FactChange(BaseModel):
    model_config = ConfigDict(frozen=True)
    fact: str
    before: str | None
    after: str | None


class ItemDelta(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    name: str
    max: Points
    before: Points
    after: Points
    delta: Points
    status_before: str
    status_after: str
    reasons_gone: list[str]
    reasons_new: list[str]
    lead_unit: str | None = None


class Rank(BaseModel):
    model_config = ConfigDict(frozen=True)
    rank: int
    of: int
    previous_rank: int | None
    change: int | None


class Simulation(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str | None = None
    note: str | None = None
    methodology: dict[str, str]
    agency: str
    lang: str
    changes: list[FactChange]
    total_before: Points
    total_after: Points
    index_before: Points
    index_after: Points
    group_before: str
    group_after: str
    rank_before: Rank | None = None
    rank_after: Rank | None = None
    items: list[ItemDelta] = Field(default_factory=list)


def apply_changes(facts: Facts, changes: dict[str, FactValue | None], m: Methodology, file: str = "--set") -> Facts:
    out = facts.with_values(changes)
    check_parts(out.values, m, file)
    return out


def simulate(m: Methodology, facts: Facts, changes: dict[str, FactValue | None], lang: str = "vi",
             peers: PeerTable | None = None, name: str | None = None, note: str | None = None,
             units: LeadUnits | None = None) -> Simulation:
    """Rescore with `changes` applied (None removes a fact) and compare item by item."""
    before = score(m, facts, lang)
    after = score(m, apply_changes(facts, changes, m), lang)
    return compare(m, facts, changes, before, after, lang, peers, name, note, units)


def compare(m: Methodology, facts: Facts, changes: dict[str, FactValue | None], before: Scorecard, after: Scorecard,
            lang: str, peers: PeerTable | None = None, name: str | None = None, note: str | None = None,
            units: LeadUnits | None = None) -> Simulation:
    items = []
    for a, b in zip(before.items, after.items):
        ra = [d.reason for d in a.deductions]
        rb = [d.reason for d in b.deductions]
        if a.points != b.points or a.status != b.status or ra != rb:
            lead = units.for_item(a.code) if units is not None else None
            items.append(ItemDelta(code=a.code, name=a.name, max=a.max, before=a.points, after=b.points,
                                   delta=b.points - a.points, status_before=a.status, status_after=b.status,
                                   reasons_gone=[r for r in ra if r not in rb], reasons_new=[r for r in rb if r not in ra],
                                   lead_unit=units.name(lead.lead, lang) if lead and units is not None else None))
    ranks: list[Rank | None] = [None, None]
    if peers is not None:
        for i, card in enumerate((before, after)):
            p = project_rank(card.index, peers, facts.agency.code, facts.year)
            ranks[i] = Rank(rank=p.rank, of=p.of, previous_rank=p.previous_rank, change=p.change)
    return Simulation(
        name=name, note=note, methodology=before.methodology, agency=facts.agency.name, lang=lang,
        changes=[FactChange(fact=k, before=canonical(facts.values.get(k)), after=canonical(v)) for k, v in changes.items()],
        total_before=before.total, total_after=after.total, index_before=before.index, index_after=after.index,
        group_before=before.group, group_after=after.group, rank_before=ranks[0], rank_after=ranks[1], items=items)


def load_scenario(path: str | os.PathLike[str], m: Methodology, text: str | None = None) -> tuple[str, str | None, dict[str, FactValue | None]]:
    """A scenario: `{name, note, set: {fact: value}}`; `null` removes a fact. With `text`
    (a scenario sent over HTTP) nothing is read from disk and `path` only names it."""
    doc = load_yaml(os.fspath(path), text)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("set"), dict) or not data["set"]:
        raise InputError.one(doc.file, 1, "set", "expected a scenario: name, note, and set: {fact: value, ...}", "PS130")
    extra = set(map(str, data)) - {"name", "note", "set"}
    if extra:
        raise InputError.one(doc.file, doc.line((sorted(extra)[0],)), sorted(extra)[0], "unknown key; a scenario takes name, note, set", "PS130")
    changes: dict[str, FactValue | None] = {}
    problems = []
    for k, v in data["set"].items():
        try:
            changes[str(k)] = None if v is None else check_fact_value(str(k), v, m, doc.file, doc.line(("set", k)))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return str(data.get("name") or os.path.basename(str(path))), (str(data["note"]) if data.get("note") else None), changes
