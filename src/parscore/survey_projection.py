"""The survey third projected from last year.

MoHA publishes the survey results (32 of 100 points: the officials' and leaders' survey
and SIPAS) after the self-assessment, so at self-assessment time those facts are
missing. `--baseline LAST-YEAR` fills every missing survey fact with last year's value,
marked `projected` (an item status of its own), so the card can show the appraisal
points out of 68, the projected survey points out of 32, and the index with and
without the projection.

Last year is either a facts file (each survey fact's own value), or a published results
file (`kind: results`) and the agency's row in it: SIPAS facts take the row's SIPAS; the
officials' survey facts of a field take that field's published component index
(points / field maximum) where the row has it, else the row's index. A results row is
a coarser projection than last year's facts, and the card says which source was used.
"""
from __future__ import annotations

import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from .errors import InputError
from .loading import FactValue, Facts, Methodology, _hint, facts_from_document, read_facts_document
from .kinds import for_score

CENT = Decimal("0.01")


def survey_facts(m: Methodology) -> dict[str, str]:
    """Reported facts scored by survey rules, with the field each belongs to."""
    out: dict[str, str] = {}
    for code, rule in m.rules.items():
        if for_score(rule.score).survey:
            field = m.parents(code)[0].code
            for name in m.inputs_of(rule.score.fact):
                out.setdefault(name, field)
    return out


def baseline_values(path: str | os.PathLike[str], m: Methodology, agency_code: str) -> tuple[dict[str, FactValue], str]:
    """Last year's value of every survey fact the source gives, and the source's label."""
    doc = read_facts_document(path)
    wanted = survey_facts(m)
    if isinstance(doc.data, dict) and "rows" in doc.data and "facts" not in doc.data:
        return _from_results(path, m, agency_code, wanted)
    facts = facts_from_document(doc, m, nested_baseline=False)
    return {n: facts.values[n] for n in wanted if n in facts.values}, doc.file


def _from_results(path: str | os.PathLike[str], m: Methodology, agency_code: str,
                  wanted: dict[str, str]) -> tuple[dict[str, FactValue], str]:
    from .peers import load_peers

    table = load_peers(path)
    row = table.row(agency_code)
    if row is None:
        raise InputError.one(str(path), None, "rows", f"no row for the agency '{agency_code}'"
                             f"{_hint(agency_code, {p.code for p in table.peers})}; the baseline needs the agency's own "
                             "results (its code as in the facts file's agency)", "PS312")
    fmax = {f.code: f.max for f in m.fields}
    fields = {code: fr.points / fmax[code] * 100 for code, fr in row.fields if code in fmax and fmax[code] > 0}
    out: dict[str, FactValue] = {}
    for name, field in wanted.items():
        if name.startswith("sipas") and row.sipas is not None:
            pct = row.sipas
        else:
            pct = fields.get(field, row.index)
        out[name] = min(Decimal(100), pct).quantize(CENT)
    return out, f"{table.file} ({row.province}, {table.year})"


def project(m: Methodology, facts: Facts, path: str | os.PathLike[str]) -> Facts:
    """`facts` with every missing survey fact filled from last year, marked projected."""
    values, label = baseline_values(path, m, facts.agency.code)
    filled = {n: v for n, v in values.items() if n not in facts.values}
    return replace(facts, values={**facts.values, **filled}, projected=filled, projection_source=label if filled else None)


def resolve(path: str) -> str:
    """The --baseline path as given (a facts file or a results file)."""
    if not Path(path).is_file():
        raise InputError.one(path, None, "--baseline", "last year's file was not found; give a facts file or a results file "
                             "such as fixtures/results-2024.yaml", "PS312")
    return path
