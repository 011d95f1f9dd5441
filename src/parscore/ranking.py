"""Many units at once: score every department's or commune's facts under one internal
methodology and rank them, as the Department of Home Affairs publishes with the
province's decision.

Tie rule: units are ranked by their index as published (2 decimals). Units with the
same published index share a rank, and the next rank skips as many places as units
tied ("1, 2, 2, 4", standard competition ranking). Within a tie units are listed by
name (case-insensitive), then code, so the order is deterministic.
"""
from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .errors import InputError, Problem
from .files import check_regular, input_files
from .i18n import ByLanguage, text
from .loading import Facts, Methodology, facts_from_document, read_facts_document
from .models import Points, Scorecard
from .scorecard import score

ZERO = Decimal(0)

TIE_RULE = ByLanguage("ranking_bands", "tie_rule")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class RankRow(_Out):
    rank: int
    code: str
    name: str
    index: Points
    band: str
    band_name: str
    total: Points
    applicable_max: Points
    lost_by_field: dict[str, Points]
    lost: Points
    bonus: Points | None = None
    penalty: Points | None = None
    survey_absent: bool = False
    not_assigned: list[str] = Field(default_factory=list)
    missing_items: list[str] = Field(default_factory=list)
    illustrative: bool = False
    file: str


class FieldHead(_Out):
    code: str
    name: str
    max: Points


class Ranking(_Out):
    methodology: dict[str, str]
    overlay: str | None
    issuer: str | None
    level: str
    year: int | None
    lang: str
    tie_rule: str
    bands: list[dict[str, str]]
    fields: list[FieldHead]
    units: list[RankRow]
    skipped: list[str] = Field(default_factory=list)
    illustrative: bool = False


def rank_cards(m: Methodology, cards: list[tuple[Scorecard, Facts]], lang: str = "vi", skipped: list[str] | None = None) -> Ranking:
    """Rank scored cards (one per unit) under the tie rule above."""
    seen: dict[str, str] = {}
    by_year: dict[int, list[str]] = {}
    problems = []
    for card, facts in cards:
        code = card.agency.code
        if code in seen:
            problems.append(Problem(facts.file, None, "agency.code", f"unit code '{code}' is also used by {seen[code]}; "
                                    "each unit needs its own code", "PS411"))
        seen[code] = facts.file
        if card.year is not None:
            by_year.setdefault(card.year, []).append(facts.file)
    if len(by_year) > 1:   # a ranking is of one year: the year most units report is taken as meant
        meant = max(by_year, key=lambda y: (len(by_year[y]), y))
        problems += [Problem(file, None, "year", f"this unit's facts are for {year}, the others' for {meant}; "
                             "rank one year's units at a time", "PS412")
                     for year, files in sorted(by_year.items()) if year != meant for file in files]
    if problems:
        raise InputError(problems)
    bands = {g.code: (g.name.get(lang) if g.name else g.code) for g in m.groups}
    order = sorted(cards, key=lambda cf: (-cf[0].index, cf[0].agency.name.casefold(), cf[0].agency.code))
    rows: list[RankRow] = []
    prev: Decimal | None = None
    rank = 0
    for pos, (card, facts) in enumerate(order, start=1):
        if prev is None or card.index != prev:
            rank = pos
        prev = card.index
        lost = {f.code: f.applicable_max - f.points for f in card.fields}
        u = card.unit
        rows.append(RankRow(
            rank=rank, code=card.agency.code, name=card.agency.name, index=card.index, band=card.group,
            band_name=bands.get(card.group, card.group), total=card.total, applicable_max=card.applicable_max,
            lost_by_field=lost, lost=sum(lost.values(), ZERO), bonus=u.bonus if u else None, penalty=u.penalty if u else None,
            survey_absent=bool(u and u.survey_absent), not_assigned=sorted(u.not_assigned) if u else [],
            missing_items=[it.code for it in card.items if it.status == "missing_facts"],
            illustrative=facts.illustrative, file=Path(facts.file).name,
        ))
    years = sorted({c.year for c, _ in cards if c.year is not None})
    return Ranking(
        methodology={"id": m.id, "version": m.version, "name": m.name.get(lang), "citation": m.citation, "digest": m.digest},
        overlay=m.overlay, issuer=m.issuer.get(lang) if m.issuer else None, level=m.applies_to,
        year=years[0] if len(years) == 1 else None, lang=lang, tie_rule=TIE_RULE[lang],
        bands=_bands(m, lang),
        fields=[FieldHead(code=f.code, name=f.name.get(lang), max=f.max) for f in m.fields],
        units=rows, skipped=sorted(skipped or []), illustrative=any(f.illustrative for _, f in cards),
    )


def _bands(m: Methodology, lang: str) -> list[dict[str, str]]:
    """Each band with its range in words: 'Tốt: từ 80% trở lên', 'Khá: từ 70% đến dưới 80%'."""
    from .explanation import fmt_number

    out = []
    upper = None
    for g in m.groups:
        lo = fmt_number(g.min, lang) + "%"
        name = g.name.get(lang) if g.name else g.code
        if upper is None:
            rng = text("ranking_bands", lang)["from"].format(lo=lo)
        elif g.min == 0:
            rng = text("ranking_bands", lang)["under"].format(upper=upper)
        else:
            rng = text("ranking_bands", lang)["between"].format(lo=lo, upper=upper)
        out.append({"code": g.code, "name": name, "min": format(g.min.normalize(), "f"), "range": rng})
        upper = lo
    return out


def rank_units(m: Methodology, facts_list: list[Facts], lang: str = "vi", backend: str = "durable") -> Ranking:
    """Score each unit's facts under the methodology and rank them."""
    if not facts_list:
        raise InputError.one("units", None, "", f"no unit's facts to rank under {m.id}", "PS410")
    cards = [(score(m, f, lang, backend), f) for f in facts_list]
    return rank_cards(m, cards, lang)


# ---------------------------------------------------------------- reading many units


def load_units(path: str | os.PathLike[str], m: Methodology, lang: str = "vi") -> tuple[list[Facts], list[str]]:
    """Every unit's facts in a folder (YAML facts files, filled .xlsx templates) or in a
    workbook with one sheet per unit. Files for another level or methodology are skipped
    (and named); every problem in the others is reported at once."""
    p = Path(path)
    if p.suffix.lower() == ".xlsx" and not p.is_dir():   # (read as a regular file only: a FIFO is refused by name)
        from .unit_workbook import read_units_workbook

        return read_units_workbook(p, m, lang), []
    if not p.is_dir():
        raise InputError.one(str(path), None, "", "not a folder of facts files or a workbook with one sheet per unit (.xlsx)", "PS410")
    files = input_files(p, (".yaml", ".yml", ".xlsx"))
    out: list[Facts] = []
    skipped: list[str] = []
    problems: list[Problem] = []
    for f in files:
        try:
            if f.suffix.lower() == ".xlsx":
                from .excel import import_xlsx

                check_regular(f)   # before openpyxl opens it by name (a FIFO would block it)
                if _xlsx_methodology(f) not in (None, m.id):
                    skipped.append(f.name)
                    continue
                out.append(import_xlsx(f, m)[0])
                continue
            doc = read_facts_document(f)
            level, mref = doc.data.get("level"), doc.data.get("methodology")
            if (level is not None and level != m.applies_to) or (isinstance(mref, str) and not mref.endswith((".yaml", ".yml")) and mref != m.id):
                skipped.append(f.name)
                continue
            out.append(facts_from_document(doc, m))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    if not out:
        raise InputError.one(str(path), None, "", f"no facts file for {m.id} ({m.applies_to}) here"
                             + (f"; skipped {len(skipped)} for another level or methodology" if skipped else ""), "PS410")
    return out, skipped


def _xlsx_methodology(path: Path) -> str | None:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # a damaged workbook: import_xlsx reports it properly
        return None
    try:
        if "_parscore" not in wb.sheetnames:
            return None
        for row in wb["_parscore"].iter_rows(max_col=2, values_only=True):
            if row and row[0] == "methodology":
                return str(row[1])
        return None
    finally:
        wb.close()


def rank_path(path: str | os.PathLike[str], m: Methodology, lang: str = "vi") -> Ranking:
    facts, skipped = load_units(path, m, lang)
    r = rank_units(m, facts, lang)
    return r.model_copy(update={"skipped": sorted(skipped)})

