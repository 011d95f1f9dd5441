"""Last year: the one place that reads a previous year's file for `--baseline`.

Two commands start from last year before MoHA publishes this year's survey (32 of 100
points: the officials' and leaders' survey and SIPAS):
- `score|plan|simulate FACTS --baseline LAST-YEAR` fills every missing survey fact with
  last year's value, marked `projected` (an item status of its own), so the card shows
  the appraisal points out of 68, the projected survey points out of 32, and the index
  with and without the projection (`project_survey`);
- `project FACTS --baseline LAST-YEAR` draws those facts around last year's values
  (`projection.project`).

Both read last year through `last_year`, from either
- a facts file (agency, year, facts): each survey fact's own value, typed and checked
  against the methodology's catalogue like any other facts file; or
- a published results file (`kind: results`, `rows:`) and the agency's row in it: SIPAS
  facts take the row's SIPAS; the officials' survey facts of a field take that field's
  published component index (points / field maximum) where the row has it, else the
  row's index. A results row is a coarser source than last year's facts, and the label
  says which source was used.

(A facts file's own `baseline:` key, read by `loading` for the `increase`, `decrease`
and `at_least_baseline` rules, is last year's full facts file: every fact, not only the
survey ones.)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from decimal import Decimal

from .errors import InputError
from .loading import FactValue, Facts, Methodology, facts_from_document, read_facts_document
from .loading._common import _hint

CENT = Decimal("0.01")

__all__ = ["LastYear", "last_year", "load_baseline", "project_survey", "survey_facts"]


@dataclass(frozen=True)
class LastYear:
    """Last year's value of each survey fact the source gives, and where they come from."""
    values: dict[str, FactValue]
    file: str      # the label shown: the file, or "file (province, year)" for a results row


def survey_facts(m: Methodology) -> dict[str, list[str]]:
    """Reported facts read by items assessed by survey → the items reading them, in tree order."""
    out: dict[str, list[str]] = {}
    for code, leaf in m.leaves.items():
        if leaf.assessed_by != "survey":
            continue
        for n in m.reads(m.rules[code]):
            for f in m.inputs_of(n):
                users = out.setdefault(f, [])
                if code not in users:
                    users.append(code)
    return out


def last_year(path: str | os.PathLike[str], m: Methodology, agency_code: str, year: int | None = None) -> LastYear:
    """Last year's survey facts for `agency_code` from a facts file or a published results file.
    With `year` (this year's facts'), a file for this year or a later one is refused, as is a
    facts file of another agency: drawing around them would project from the wrong values."""
    if not os.path.lexists(path):   # anything else (a folder, a device) is refused by the file layer
        raise InputError.one(str(path), None, "--baseline", "last year's file was not found; give a facts file or a "
                             "results file such as fixtures/results-2024.yaml", "PS312")
    doc = read_facts_document(path)
    wanted = survey_facts(m)
    if isinstance(doc.data, dict) and "rows" in doc.data and "facts" not in doc.data:
        return _from_results(path, m, agency_code, wanted, year)
    facts = facts_from_document(doc, m, nested_baseline=False)
    _earlier(path, facts.year, year)
    if agency_code and agency_code != "unknown" and facts.agency.code not in ("unknown", agency_code):
        raise InputError.one(str(path), None, "--baseline", f"last year's facts file is for the agency "
                             f"'{facts.agency.code}', not '{agency_code}'; give this agency's own file", "PS312")
    return LastYear({n: facts.values[n] for n in wanted if n in facts.values}, doc.file)


def _earlier(path: str | os.PathLike[str], theirs: int | None, ours: int | None) -> None:
    if theirs is not None and ours is not None and theirs >= ours:
        raise InputError.one(str(path), None, "--baseline", f"last year's file is for {theirs}, not a year before "
                             f"{ours}; give the previous year's file", "PS312")


def load_baseline(path: str | os.PathLike[str], m: Methodology, agency_code: str = "", year: int | None = None) -> LastYear:
    """`last_year` under the name `parscore.projection` exported first."""
    return last_year(path, m, agency_code, year)


def _from_results(path: str | os.PathLike[str], m: Methodology, agency_code: str,
                  wanted: dict[str, list[str]], year: int | None = None) -> LastYear:
    from .peers import load_peers

    table = load_peers(path)
    _earlier(path, table.year, year)
    row = table.row(agency_code)
    if row is None:
        raise InputError.one(str(path), None, "rows", f"no row for the agency '{agency_code}'"
                             f"{_hint(agency_code, {p.code for p in table.peers})}; the baseline needs the agency's own "
                             "results (its code as in the facts file's agency)", "PS312")
    fmax = {f.code: f.max for f in m.fields}
    fields = {code: fr.points / fmax[code] * 100 for code, fr in row.fields if code in fmax and fmax[code] > 0}
    out: dict[str, FactValue] = {}
    for name, items in wanted.items():
        if name.startswith("sipas") and row.sipas is not None:
            pct = row.sipas
        else:
            pct = fields.get(m.parents(items[0])[0].code, row.index)
        out[name] = min(Decimal(100), pct).quantize(CENT)
    return LastYear(out, f"{table.file} ({row.province}, {table.year})")


def project_survey(m: Methodology, facts: Facts, path: str | os.PathLike[str]) -> Facts:
    """`facts` with every missing survey fact filled from last year, marked projected."""
    ly = last_year(path, m, facts.agency.code, facts.year)
    filled = {n: v for n, v in ly.values.items() if n not in facts.values}
    return replace(facts, values={**facts.values, **filled}, projected=filled, projection_source=ly.file if filled else None)
