"""Reading filled workbooks (templates, split templates, scorecard workbooks) back into
facts, and merging several of them into one facts file.

Every cell is read with its number format: a percent-formatted cell holding 0.8642 is
86.42 % for a percent fact. A number stored as text (`86,42`, `1.234`, `86.42%`) is
refused with the cell's address, never guessed. The same fact on two rows, or two
workbooks giving one fact different values, is an error naming both cells.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from ..errors import InputError, Problem
from ..i18n import ByLanguage
from ..loading import FactValue, Facts, Methodology, check_parts
from ..loading.facts import _typed
from ..models import Agency, Evidence
from .safety import MAX_COLUMNS, Cell, ExcelError, Uncomputed, clean_text, is_percent_format, open_workbook, rows
from .template import HEADERS, INFO, ITEM_HEADERS, META_SHEET, UNASSIGNED, sheet_name
from .texts import msg

YES = {"có", "co", "yes", "true", "đúng", "x", "1"}
NO = {"không", "khong", "no", "false", "sai", "0"}
_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


@dataclass
class Located:
    value: Any
    where: str          # 'file: Sheet!D7'


@dataclass
class FactEntry:
    value: FactValue | None = None
    evidence: tuple[Evidence, ...] | None = None
    note: str | None = None
    where: str = ""


@dataclass
class WorkbookData:
    file: str
    agency_code: Located | None = None
    agency_name: Located | None = None
    year: Located | None = None
    facts: dict[str, FactEntry] = field(default_factory=dict)
    claimed: dict[str, Located] = field(default_factory=dict)
    explanations: dict[str, Located] = field(default_factory=dict)
    leads: dict[str, Located] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)   # every fact row: fact → 'Sheet!D7' of its value


def import_xlsx(path: str | os.PathLike[str], m: Methodology, lang: str = "vi",
                data: bytes | None = None) -> tuple[Facts, dict[str, Any]]:
    """Read a filled template: the typed facts, and the same as a YAML-ready mapping.
    With `data` (an upload's bytes) nothing is read from disk and `path` only names it."""
    if data is not None:
        return merge([read_workbook(path, m, lang, data)], m, lang)
    return import_many([path], m, lang)


def import_many(paths: list[str | os.PathLike[str]], m: Methodology, lang: str = "vi") -> tuple[Facts, dict[str, Any]]:
    """Read one or more workbooks (e.g. one per lead unit) and merge them into one facts set."""
    problems: list[Problem] = []
    books: list[WorkbookData] = []
    for p in paths:
        try:
            books.append(read_workbook(p, m, lang))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return merge(books, m, lang)


def read_workbook(path: str | os.PathLike[str], m: Methodology, lang: str = "vi",
                  data: bytes | None = None) -> WorkbookData:
    name = str(path)
    wb = open_workbook(name, lang, data)
    try:
        return _read(wb, name, m, lang)
    finally:
        wb.close()


def _read(wb: Any, name: str, m: Methodology, lang: str) -> WorkbookData:
    if META_SHEET not in wb.sheetnames:
        raise InputError.one(name, None, "", msg("not_template", lang), "PS181")
    meta: dict[str, Any] = {}
    for r in rows(wb[META_SHEET], name, lang, max_rows=50, max_columns=2):
        if 1 in r and 2 in r:
            meta[str(r[1].value)] = r[2].value
    book_lang = "en" if meta.get("lang") == "en" else "vi"
    problems: list[Problem] = []

    def add(where: str, text: str, code: str) -> None:
        problems.append(Problem(name, None, where, text, code))

    if meta.get("methodology") != m.id:
        add(f"{META_SHEET}!B1", msg("other_methodology", lang, got=meta.get("methodology"), want=m.id), "PS182")
    data = WorkbookData(name)
    info_name = INFO[book_lang]
    if info_name in wb.sheetnames:
        cells: dict[str, Cell] = {}
        for r in rows(wb[info_name], name, lang):
            for c in r.values():
                cells[c.ref] = c
        for attr, ref in (("agency_code", "B8"), ("agency_name", "B9"), ("year", "B10")):
            if ref in cells:
                v = cells[ref].value
                setattr(data, attr, Located(clean_text(str(v)).strip() if attr != "year" else v, f"{info_name}!{ref}"))
    else:
        add(info_name, msg("sheet_missing", lang, sheet=info_name), "PS183")

    seen: dict[str, str] = {}
    # a template made before the self-assessment sheet: column I was the (unread) lead unit, J the items
    legacy = "kind" not in meta
    want = HEADERS[book_lang][:8] + LEGACY_TAIL[book_lang] if legacy else HEADERS[book_lang]
    for f in m.fields:
        title = sheet_name(f.code, book_lang)
        if title not in wb.sheetnames:
            add(title, msg("sheet_missing", lang, sheet=title), "PS183")
            continue
        for r in rows(wb[title], name, lang):
            row_no = next(iter(r.values())).row
            if row_no == 1:
                _check_header(r, want, title, add, lang)
                continue
            if legacy:
                r = {k: v for k, v in r.items() if k <= 8}
            if 1 not in r:
                continue
            fact = str(r[1].value).strip()
            if fact not in m.facts:
                add(f"{title}!A{row_no}", msg("unknown_fact", lang, fact=fact), "PS185")
                continue
            here = f"{title}!D{row_no}"
            if fact in seen:
                add(f"{title}!A{row_no}", msg("duplicate", lang, what=msg("what_fact", lang), name=fact,
                                              first=f"{seen[fact]}", second=f"{title}!A{row_no}"), "PS263")
                continue
            seen[fact] = f"{title}!A{row_no}"
            data.cells[fact] = here
            entry = FactEntry(where=here)
            if 4 in r:
                entry.value = fact_value(r[4], fact, m, lang, lambda t, w=here: add(w, t, "PS186"))
            if 6 in r or 7 in r or 8 in r or 11 in r:
                entry.evidence = _evidence(r, title, row_no, lang, add)
            if 9 in r:
                entry.note = clean_text(str(r[9].value)).strip() or None
            if entry.value is not None or entry.evidence is not None or entry.note is not None:
                data.facts[fact] = entry
    expected = set(str(meta["facts"]).split()) & set(m.facts) if meta.get("facts") else set(m.facts)
    missing_rows = sorted(expected - set(seen))
    if missing_rows and not problems:
        add("", msg("rows_missing", lang, n=len(missing_rows), fact=missing_rows[0]), "PS187")
    _read_items(wb, name, m, lang, meta, book_lang, data, add)
    if problems:
        raise InputError(problems)
    return data


def _check_header(r: dict[int, Cell], want: list[str], title: str, add: Any, lang: str, row: int = 1) -> None:
    from openpyxl.utils import get_column_letter

    for i, expected in enumerate(want, 1):
        got = r[i].value if i in r else None
        if got != expected:
            add(f"{title}!{get_column_letter(i)}{row}", msg("header", lang, got=got, want=expected), "PS184")


def _read_items(wb: Any, name: str, m: Methodology, lang: str, meta: dict[str, Any], book_lang: str,
                data: WorkbookData, add: Any) -> None:
    """Self-assessed points, giải trình and lead unit per sub-criterion."""
    from openpyxl.utils import get_column_letter

    title = str(meta.get("items_sheet") or ITEM_SHEET_DEFAULT[book_lang])
    if title not in wb.sheetnames:
        if meta.get("kind") in ("template", "scorecard"):
            add(title, msg("sheet_missing", lang, sheet=title), "PS183")
        return
    header_row = _small_int(meta.get("items_header_row"), 1, 10)
    cols = {k: _small_int(meta.get(f"col_{k}"), d, MAX_COLUMNS) for k, d in (("code", 1), ("claimed", 4), ("explanation", 5), ("lead", 6))}
    heads = meta_heads(book_lang, str(meta.get("kind")))
    seen: dict[str, str] = {}
    for r in rows(wb[title], name, lang):
        row_no = next(iter(r.values())).row
        if row_no < header_row:
            continue
        if row_no == header_row:
            for k, col in cols.items():
                got = r[col].value if col in r else None
                if got != heads[k]:
                    add(f"{title}!{get_column_letter(col)}{row_no}", msg("header", lang, got=got, want=heads[k]), "PS184")
            continue
        code_cell = r.get(cols["code"])
        if code_cell is None:
            continue
        code = str(code_cell.value).strip()
        if code not in m.leaves:
            if any(code_cell.value == x for x in (f.code for f in m.fields)) or _is_parent(m, code):
                continue  # field and criterion rows of the scorecard
            if cols["claimed"] in r or cols["explanation"] in r:
                add(f"{title}!{code_cell.ref}", msg("unknown_item", lang, code=code), "PS267")
            continue
        where = f"{title}!{code_cell.ref}"
        if code in seen:
            add(where, msg("duplicate", lang, what=msg("what_item", lang), name=code, first=seen[code], second=where), "PS263")
            continue
        seen[code] = where
        if cols["claimed"] in r:
            c = r[cols["claimed"]]
            pts = _points(c.value, m.leaves[code].max)
            if pts is None:
                add(f"{title}!{c.ref}", msg("points", lang, code=code, max=_fmt(m.leaves[code].max), got=c.value), "PS268")
            else:
                data.claimed[code] = Located(pts, f"{title}!{c.ref}")
        if cols["explanation"] in r:
            c = r[cols["explanation"]]
            text = clean_text(str(c.value)).strip()
            if text:
                data.explanations[code] = Located(text, f"{title}!{c.ref}")
        if cols["lead"] in r:
            c = r[cols["lead"]]
            text = " ".join(clean_text(str(c.value)).split())
            if text and text not in UNASSIGNED.values():
                data.leads[code] = Located(text, f"{title}!{c.ref}")


LEGACY_TAIL = ByLanguage("workbook", "legacy_tail")
ITEM_SHEET_DEFAULT = ByLanguage("workbook", "item_sheet")


def meta_heads(lang: str, kind: str) -> dict[str, str]:
    if kind == "scorecard":
        from .scorecard import HEAD

        h = HEAD[lang]
        return {"code": h[0], "claimed": h[3], "explanation": h[8], "lead": h[9]}
    h = ITEM_HEADERS[lang]
    return {"code": h[0], "claimed": h[3], "explanation": h[4], "lead": h[5]}


def _small_int(v: Any, default: int, most: int) -> int:
    """A number from the hidden _parscore sheet, which a hostile file may have changed."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 1 <= v <= most or v != int(v):
        return default
    return int(v)


def _is_parent(m: Methodology, code: str) -> bool:
    return code in m.codes


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _points(v: Any, most: Decimal) -> Decimal | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    d = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    if not d.is_finite() or d < 0 or d > most:
        return None
    return d.normalize() if d != d.to_integral_value() else d.quantize(Decimal(1))


class CellLike(Protocol):
    """A cell as `fact_value` reads it: this package's `safety.Cell` or an openpyxl cell."""
    @property
    def value(self) -> Any: ...
    @property
    def number_format(self) -> str: ...


def fact_value(cell: CellLike, fact: str, m: Methodology, lang: str, bad: Any) -> FactValue | None:
    spec = m.facts[fact]
    v = cell.value
    if isinstance(v, Uncomputed):
        bad(msg("uncomputed", lang, fact=fact, formula=v))
        return None
    if isinstance(v, ExcelError):
        bad(msg("excel_error", lang, fact=fact, error=v))
        return None
    if spec.type == "boolean":
        if isinstance(v, bool):
            return v
        low = str(v).strip().lower()
        if low in YES:
            return True
        if low in NO:
            return False
        bad(msg("bool", lang, fact=fact, got=v))
        return None
    if spec.type == "date":
        d = _date(v)
        if d is None:
            bad(msg("date", lang, what=fact, got=v))
        return d
    if isinstance(v, str):
        bad(msg("text_count" if spec.type == "count" else "text_number", lang, fact=fact, text=v))
        return None
    if isinstance(v, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        bad(msg("date_in_number", lang, fact=fact))
        return None
    value: Any = v
    if isinstance(v, (int, float)) and not isinstance(v, bool) and is_percent_format(cell.number_format):
        if spec.type != "percent" and spec.unit.en.strip() != "%":
            bad(msg("percent_other", lang, fact=fact, unit=spec.unit.get(lang)))
            return None
        try:
            value = (Decimal(repr(v)) * 100).normalize()  # 0.8642 shown as 86,42% is 86.42 %
        except InvalidOperation:
            value = v
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        value = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    if isinstance(value, Decimal):
        if not value.is_finite():
            bad(msg("bad_value", lang, fact=fact, why=str(v)))
            return None
        shown = _local(value, lang)
        if spec.type == "count" and (value < 0 or value != value.to_integral_value()):
            bad(msg("not_whole", lang, fact=fact, got=shown))
            return None
        if spec.type == "percent" and not 0 <= value <= 100:
            bad(msg("pct_range", lang, fact=fact, got=shown + (" %" if is_percent_format(cell.number_format) else "")))
            return None
        if spec.min is not None and value < spec.min:
            bad(msg("below", lang, fact=fact, limit=_local(spec.min, lang), got=shown))
            return None
        if spec.max is not None and value > spec.max:
            bad(msg("above", lang, fact=fact, limit=_local(spec.max, lang), got=shown))
            return None
        # Excel stores every number as a float; the shortest decimal that is that float is meant
        value = int(value) if value == value.to_integral_value() else float(value)
    errs: list[str] = []
    typed = _typed(value, spec, errs.append)
    if typed is None:
        bad(msg("bad_value", lang, fact=fact, why=errs[0] if errs else "?"))
    return typed


def _local(d: Decimal, lang: str) -> str:
    """A number as the person typed it: a decimal comma in Vietnamese (86,42), a dot in English."""
    text = format(d.normalize(), "f") if d == d else str(d)
    return text.replace(".", ",") if lang == "vi" else text


def _date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        hit = _DMY.match(v)
        try:
            if hit:
                return dt.date(int(hit.group(3)), int(hit.group(2)), int(hit.group(1)))
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            return None
    return None


def _evidence(r: dict[int, Cell], title: str, row_no: int, lang: str, add: Any) -> tuple[Evidence, ...] | None:
    """One document per line: several documents are written one under another in F, G, H and K."""
    def lines(col: int, split: bool = True) -> list[Any]:
        if col not in r:
            return []
        v = r[col].value
        if not isinstance(v, str):
            return [v]
        return [x.strip() for x in clean_text(v).split("\n")] if split else [" ".join(clean_text(v).split())]

    numbers = lines(6)
    while numbers and not numbers[-1]:
        numbers.pop()
    several = len(numbers) > 1   # one document: a line break inside its issuer or title is just text
    dates, issuers, titles = lines(7, several), lines(8, several), lines(11, several)
    if not numbers:
        if dates or issuers or titles:
            add(f"{title}!F{row_no}", msg("evidence_number", lang), "PS269")
        return None
    if max(len(dates), len(issuers), len(titles)) > len(numbers):
        add(f"{title}!F{row_no}", msg("evidence_lines", lang, n=len(numbers)), "PS269")
        return None
    out = []
    for i, number in enumerate(numbers):
        raw_date = dates[i] if i < len(dates) else None
        date = _date(raw_date) if raw_date not in (None, "") else None
        if raw_date not in (None, "") and date is None:
            add(f"{title}!G{row_no}", msg("date", lang, what=msg("what_fact", lang), got=raw_date), "PS269")
            return None
        if not number:
            add(f"{title}!F{row_no}", msg("evidence_number", lang), "PS269")
            return None
        issuer = issuers[i] if i < len(issuers) else None
        doc_title = titles[i] if i < len(titles) else None
        out.append(Evidence(number=str(number), date=date, issuer=str(issuer) if issuer else None,
                            title=str(doc_title) if doc_title else None))
    return tuple(out)


def _yaml_value(v: FactValue | None) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def _show(v: Any) -> str:
    if isinstance(v, tuple):
        return "; ".join(e.number for e in v)
    return str(_yaml_value(v)) if v is not None else "—"


def merge(books: list[WorkbookData], m: Methodology, lang: str = "vi") -> tuple[Facts, dict[str, Any]]:
    """One facts set from several workbooks; the same fact or item given two different
    values is refused, naming both cells."""
    problems: list[Problem] = []

    def pick(what: str, key: str, a: tuple[str, Located] | None, b: tuple[str, Located]) -> tuple[str, Located]:
        if a is None:
            return b
        if a[1].value != b[1].value:
            problems.append(Problem(b[0], None, b[1].where, msg("conflict", lang, what=what, name=key, a=_show(a[1].value),
                                                                 first=f"{a[0]} {a[1].where}", b=_show(b[1].value),
                                                                 second=f"{b[0]} {b[1].where}"), "PS264"))
        return a

    head: dict[str, tuple[str, Located]] = {}
    facts: dict[str, dict[str, tuple[str, Located]]] = {}
    items: dict[str, dict[str, tuple[str, Located]]] = {"claimed": {}, "explanations": {}, "leads": {}}
    what_item = msg("what_item", lang)
    for bk in books:
        for attr in ("agency_code", "agency_name", "year"):
            loc = getattr(bk, attr)
            if loc is not None:
                head[attr] = pick(msg("what_agency", lang), attr, head.get(attr), (bk.file, loc))
        for fact, e in bk.facts.items():
            slot = facts.setdefault(fact, {})
            for attr in ("value", "evidence", "note"):
                v = getattr(e, attr)
                if v is not None:
                    slot[attr] = pick(msg("what_fact", lang), fact, slot.get(attr), (bk.file, Located(v, e.where)))
        for kind in items:
            for code, loc in getattr(bk, kind).items():
                items[kind][code] = pick(what_item, code, items[kind].get(code), (bk.file, loc))
    first = books[0].file
    cells: dict[str, str] = {}
    for bk in books:
        for fact, where in bk.cells.items():
            if fact not in cells or (fact in bk.facts and bk.facts[fact].value is not None):
                cells[fact] = where if len(books) == 1 else f"{bk.file}: {where}"
    year_loc = head.get("year")
    year = year_loc[1].value if year_loc else None
    if isinstance(year, float) and year.is_integer():
        year = int(year)
    if isinstance(year, str) and year.strip().isascii() and year.strip().isdigit():
        year = int(year.strip())   # typed as text: 2025 is still the year
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        file, where = (year_loc[0], year_loc[1].where) if year_loc else (first, f"{INFO[lang]}!B10")
        problems.append(Problem(file, None, where, msg("year", lang, got=repr(year) if year is not None else "—"), "PS188"))
    code, name = head.get("agency_code"), head.get("agency_name")
    if not code or not name or not code[1].value or not name[1].value:
        problems.append(Problem(first, None, f"{INFO[lang]}!B8", msg("agency", lang), "PS188"))
    if problems:
        raise InputError(problems)
    assert code is not None and name is not None and isinstance(year, int)  # else PS188 above
    values: dict[str, FactValue] = {}
    evidence: dict[str, tuple[Evidence, ...]] = {}
    notes: dict[str, str] = {}
    raw: dict[str, Any] = {}
    for fact in m.facts:  # catalogue order: the YAML reads like the template
        slot = facts.get(fact) or {}
        if not slot:
            continue
        v = slot["value"][1].value if "value" in slot else None
        ev = slot["evidence"][1].value if "evidence" in slot else None
        note = slot["note"][1].value if "note" in slot else None
        if v is not None:
            values[fact] = v
        if ev is not None:
            evidence[fact] = ev
        if note is not None:
            notes[fact] = note
        if ev is None and note is None:
            raw[fact] = _yaml_value(v)
        else:
            entry: dict[str, Any] = {"value": _yaml_value(v)}
            if ev is not None:
                docs = [{k: x for k, x in e.model_dump().items() if x is not None} for e in ev]
                entry["evidence"] = docs[0] if len(docs) == 1 else docs
            if note is not None:
                entry["note"] = note
            raw[fact] = entry
    check_parts(values, m, first)
    agency = Agency(code=str(code[1].value), name=str(name[1].value))
    order = list(m.leaves)
    claimed = {c: items["claimed"][c][1].value for c in order if c in items["claimed"]}
    explanations = {c: items["explanations"][c][1].value for c in order if c in items["explanations"]}
    leads = {c: items["leads"][c][1].value for c in order if c in items["leads"]}
    facts_obj = Facts(first, agency, int(year), m.id, values, evidence, claimed, notes=notes,
                      explanations=explanations, leads=leads, locations=cells)
    doc: dict[str, Any] = {"agency": {"code": agency.code, "name": agency.name}, "year": int(year),
                           "methodology": m.id, "facts": raw}
    if claimed:
        doc["claimed"] = {c: _yaml_value(p) for c, p in claimed.items()}
    if explanations:
        doc["explanations"] = explanations
    if leads:
        doc["leads"] = leads
    return facts_obj, doc
