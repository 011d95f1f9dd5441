"""From units to the province: which departments' and communes' results feed which
provincial items, and how far each unit falls short on them.

A unit methodology's rules declare `feeds: ["3.4.1"]` (codes of the methodology named
by `feeds_into`). Given the provincial card and the units' cards, every fed provincial
item lists the units whose items feed it with their current shortfall (points the
unit's item loses), so the Department of Home Affairs sees whose results move it.
"""
from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .errors import InputError, Problem
from .files import input_files
from .loading import facts_from_document, load_methodology, read_facts_document
from .models import Points, Scorecard
from .scorecard import score

ZERO = Decimal(0)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Contribution(_Out):
    unit: str
    unit_name: str
    level: str
    item: str               # the unit's item code
    item_name: str
    points: Points
    max: Points
    shortfall: Points       # max − points; 0 when full
    status: str


class FedItem(_Out):
    code: str               # the provincial item
    name: str
    points: Points
    max: Points
    lost: Points
    in_plan: bool           # the provincial plan's chosen changes raise this item
    units: list[Contribution]
    shortfall: Points       # sum of the units' shortfalls on it


def load_unit_cards(path: str | os.PathLike[str], province_id: str, lang: str = "vi") -> tuple[list[Scorecard], list[str]]:
    """Every unit in a folder: facts files scored under their own methodology (the file's
    `methodology:`), or unit scorecards saved as JSON; units whose methodology does not
    feed `province_id` are skipped."""
    p = Path(path)
    if not p.is_dir():
        raise InputError.one(str(path), None, "--units-dir", "expected a folder of units' facts files", "PS416")
    cards: list[Scorecard] = []
    skipped: list[str] = []
    problems: list[Problem] = []
    for f in input_files(p, (".yaml", ".yml", ".json")):
        if f.suffix.lower() == ".json":   # a unit's scorecard saved with `score -f json`
            card = _card(f, problems)
            if card is not None and card.unit is not None and card.unit.feeds_into and Path(card.unit.feeds_into).stem == province_id:
                cards.append(card)
            elif card is not None:
                skipped.append(f.name)
            continue
        try:
            doc = read_facts_document(f)
            ref = doc.data.get("methodology")
            if not isinstance(ref, str):
                problems.append(Problem(str(f), doc.line(("methodology",)) or 1, "methodology",
                                        "a unit's facts file names its methodology, e.g. methodology: par-department-ca-mau", "PS416"))
                continue
            m = load_methodology(str(f.parent / ref) if ref.endswith((".yaml", ".yml")) else ref)
            if m.feeds_into is None or Path(m.feeds_into).stem != province_id:
                skipped.append(f.name)
                continue
            cards.append(score(m, facts_from_document(doc, m), lang))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    if not cards:
        raise InputError.one(str(path), None, "--units-dir", f"no unit facts file whose methodology feeds {province_id}", "PS416")
    return cards, skipped


def _card(path: Path, problems: list[Problem]) -> Scorecard | None:
    from pydantic import ValidationError

    from .yamlio import read_text

    try:
        return Scorecard.model_validate_json(read_text(path))
    except InputError as exc:
        problems.extend(exc.problems)
    except ValidationError as exc:
        problems.append(Problem(str(path), None, "", f"not a parscore scorecard JSON ({exc.error_count()} problems); "
                                "save unit cards with `parscore score UNIT.yaml -f json -o UNIT.json`", "PS416"))
    return None


def contributions(province: Scorecard, units: list[Scorecard], improved: set[str] | None = None) -> list[FedItem]:
    """Per fed provincial item (in tree order), the units whose items feed it, largest shortfall first."""
    by_code = {it.code: it for it in province.items}
    fed: dict[str, list[Contribution]] = {}
    for card in units:
        u = card.unit
        if u is None:
            continue
        items = {it.code: it for it in card.items}
        for code, targets in u.feeds.items():
            it = items[code]
            for t in targets:
                fed.setdefault(t, []).append(Contribution(
                    unit=card.agency.code, unit_name=card.agency.name, level=u.level, item=code, item_name=it.name,
                    points=it.points, max=it.max, status=it.status,
                    shortfall=ZERO if it.status == "not_applicable" else it.max - it.points))
    out = []
    for code, it in by_code.items():
        leaves = [code] + [c for c in fed if c.startswith(code + ".")]
        rows = [r for c in leaves for r in fed.get(c, [])]
        if not rows:
            continue
        rows.sort(key=lambda r: (-r.shortfall, r.unit_name.casefold(), r.item))
        out.append(FedItem(code=code, name=it.name, points=it.points, max=it.max, lost=it.max - it.points,
                           in_plan=code in (improved or set()), units=rows, shortfall=sum((r.shortfall for r in rows), ZERO)))
    return out


def render_contributions(rows: list[FedItem], lang: str, fmt: str, skipped: list[str] | None = None) -> str:
    from tabulate import tabulate

    from .explanation import fmt_number

    md = fmt == "markdown"
    tf = "github" if md else "simple"
    from .i18n import text

    words = text("feeds", lang)
    title, head, yes, full = words["title"], words["head"], words["yes"], words["full"]
    table = []
    for r in rows:
        first = True
        shown = [c for c in r.units if c.shortfall > 0] or r.units[:1]
        for c in shown:
            table.append([f"{r.code} {r.name}" if first else "", fmt_number(r.lost, lang) if first else "", (yes if r.in_plan else "") if first else "",
                          c.unit_name, c.item, "—" if c.status == "not_applicable" else f"{fmt_number(c.shortfall, lang)} / {fmt_number(c.max, lang)}"])
            first = False
        if len(shown) < len(r.units):
            table.append(["", "", "", full.format(n=len(r.units) - len(shown)), "", ""])
    note = words["note"]
    out = ["", ("## " if md else "") + title, tabulate(table, headers=head, tablefmt=tf, disable_numparse=True, maxcolwidths=[40, None, None, 30, None, None]), note]
    if skipped:
        out.append(words["skipped"].format(files=", ".join(skipped)))
    return "\n".join(out) + "\n"


def render_contributions_json(rows: list[FedItem]) -> list[dict[str, object]]:
    return [r.model_dump(mode="json") for r in rows]
