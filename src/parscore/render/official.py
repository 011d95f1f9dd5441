"""What every signed document shares (Decree 30/2020/NĐ-CP layout): the national header,
the issuing body, number and date lines, the title by stage, and the rows a report lists.

Everything here is text in the card's language, from one catalogue (`DOC`), so the HTML,
PDF and .docx say the same thing the same way."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..i18n import text
from ..loading import Facts, Methodology
from ..models import ItemResult, NodeResult, Scorecard


def d(key: str, lang: str) -> str:
    return str(text("official", lang)[key])


_BODY = re.compile(r"^\s*(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân|ỦY BAN NHÂN DÂN)\s+(tỉnh|thành phố|TỈNH|THÀNH PHỐ)\s+(.+?)\s*$")


def place_of(agency_name: str) -> str:
    """'UBND tỉnh Cà Mau' → 'Cà Mau' (the place in the date line); else dots to fill."""
    m = _BODY.match(agency_name)
    return m.group(2) if m else "......"


def issuing_body(agency_name: str, lang: str) -> list[str]:
    """The issuing body's lines, upper case: ['ỦY BAN NHÂN DÂN', 'TỈNH CÀ MAU']."""
    m = _BODY.match(agency_name)
    if not m:
        return [agency_name.upper()]
    if lang == "en":
        return ["PEOPLE'S COMMITTEE", f"OF {m.group(2).upper()} {'PROVINCE' if m.group(1).lower() == 'tỉnh' else 'CITY'}"]
    return ["ỦY BAN NHÂN DÂN", f"{m.group(1).upper()} {m.group(2).upper()}"]


def date_line(agency_name: str, lang: str, on: dt.date | None = None) -> str:
    place = place_of(agency_name)
    if on is None:
        return d("date_blank", lang).format(place=place)
    return d("date", lang).format(place=place, d=f"{on.day:02d}", m=f"{on.month:02d}", y=on.year)


def parse_date(raw: str | None, lang: str = "vi") -> dt.date | None:
    """`--date`: dd/mm/yyyy as a person writes it, or yyyy-mm-dd. None leaves the date line blank to fill by hand."""
    from ..errors import InputError

    if raw is None:
        return None
    text = raw.strip()
    try:
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
            day, month, year = (int(x) for x in text.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    message = d("bad_date", lang).format(raw=raw)
    raise InputError.one("--date", None, "date", message, "PS332")


def subject(card: Scorecard) -> str:
    return d("subject", card.lang).format(year=card.year or "....", agency=card.agency.name)


def stage_note(card: Scorecard) -> str:
    key = {"appraised": "stage_appraised", "self": "stage_self"}.get(card.stage, "stage_computed")
    return d(key, card.lang)


def items_of(card: Scorecard, field: NodeResult) -> list[ItemResult]:
    return [it for it in card.items if it.code.split(".")[0] == field.code]


@dataclass(frozen=True)
class FieldTable:
    head: list[str]
    rows: list[list[str]]      # one per field, then the total
    widths: list[int]
    note: str | None


def field_table(card: Scorecard) -> FieldTable:
    """The summary by field: max, self-assessed (when the file holds any self-score: the
    province's points where given, else the computed ones, as `self_assessment` scores),
    computed (or appraised) points and the component index. Values are the card's own."""
    from .common import num, pct

    lang = card.lang
    claims = [it for it in card.items if it.claimed is not None]
    appraised = card.stage == "appraised"
    head = [d("no", lang), d("field", lang), d("max", lang)] + ([d("self", lang)] if claims else []) + [d("computed", lang)] \
        + ([d("appraised", lang)] if appraised else []) + [d("index", lang)]

    def computed(items: list[ItemResult]) -> Decimal:
        return sum((it.computed if it.computed is not None else it.points for it in items), Decimal(0))

    rows = []
    for f in card.fields:
        its = items_of(card, f)
        row = [f.code, f.name, num(f.applicable_max, lang)] + ([num(self_points(its), lang)] if claims else []) + [num(computed(its), lang)]
        rows.append(row + ([num(f.points, lang)] if appraised else []) + [pct(f.index, lang)])
    total = ["", d("total_row", lang), num(card.applicable_max, lang)] + ([num(self_points(card.items), lang)] if claims else []) \
        + [num(computed(card.items), lang)] + ([num(card.total, lang)] if appraised else []) + [pct(card.index, lang)]
    widths = [8, 42 - 8 * appraised, 11] + ([13] if claims else []) + [13] + ([12] if appraised else []) + [13]
    return FieldTable(head, rows + [total], widths, d("self_note", lang).format(n=len(claims)) if claims else None)


def self_points(items: list[ItemResult]) -> Decimal:
    """Self-assessed points of a group: the claim where given (never on survey items), else the computed points."""
    return sum((it.claimed if it.claimed is not None and it.assessed_by == "appraisal" else
                (it.computed if it.computed is not None else it.points) for it in items), Decimal(0))


@dataclass(frozen=True)
class Gap:
    """One item without full evidence or with missing data, with the unit's explanation."""
    item: ItemResult
    problems: list[str]
    explanation: str | None


def gaps(card: Scorecard, m: Methodology, facts: Facts) -> list[Gap]:
    """Items the appraiser will question: data missing (AU011/AU012) or evidence missing
    (AU005, AU006, AU008, AU013), from the audit so the report and the audit agree."""
    from ..audit import audit
    from .common import t

    lang = card.lang
    missing = {f.fact: f for f in card.summary.missing.facts} if card.summary.missing else {}
    report = audit(m, facts, lang)
    by_item: dict[str, list[str]] = {}
    for f in report.findings:
        if f.item is None:
            continue
        if f.code in ("AU011", "AU012"):
            names = [n.fact for n in missing.values() if f.item in n.items]
            text = d("no_data", lang).format(facts="; ".join(
                missing[n].description + (f" ({t('missing_at', lang).format(loc=missing[n].location)})" if missing[n].location else "")
                for n in names))
        elif f.code in ("AU005", "AU006", "AU008", "AU013"):
            from ..audit import _inputs
            names = [n for n in _inputs(m, f.item) if n in facts.values and not facts.evidence.get(n)]
            text = d("no_evidence", lang).format(facts="; ".join(m.kind_of(n).description.get(lang) for n in names))
        else:
            continue
        if text not in by_item.setdefault(f.item, []):
            by_item[f.item].append(text)
    return [Gap(card.item(code), probs, facts.explanations.get(code)) for code, probs in
            sorted(by_item.items(), key=lambda kv: tuple(int(p) for p in kv[0].split(".")))]
