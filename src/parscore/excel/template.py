"""The facts template: generated from the fact catalogue, never hand-made, so it cannot
drift from the rules. One sheet per field for the facts, one sheet for the
self-assessment (points, giải trình, lead unit per sub-criterion), an instructions sheet
with the agency, and a hidden `_parscore` sheet saying what the workbook holds.
"""
from __future__ import annotations

import os
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterable

from ..errors import InputError, Problem
from ..i18n import ByLanguage, text
from ..loading import Facts, Methodology
from .safety import clean_text, put_text
from .texts import msg

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from ..units import LeadUnits

META_SHEET = "_parscore"
# the workbook's words, by language: `text.workbook` of messages/<lang>.yaml
HEADERS = ByLanguage("workbook", "headers")
ITEM_SHEET = ByLanguage("workbook", "item_sheet")
ITEM_HEADERS = ByLanguage("workbook", "item_headers")
# Where the importer finds the per-item columns; the scorecard workbook records its own.
ITEM_COLUMNS = {"code": 1, "claimed": 4, "explanation": 5, "lead": 6}
INFO = ByLanguage("workbook", "info")
INPUT_FILL = "FFF2CC"
UNASSIGNED = ByLanguage("workbook", "unassigned")


def sheet_name(field_code: str, lang: str) -> str:
    return str(text("workbook", "vi" if lang == "vi" else "en")["field_sheet"]).format(code=field_code)


def field_of(m: Methodology, fact: str) -> str:
    users = m.users_of(fact)
    return users[0].split(".")[0] if users else m.fields[0].code


def _allowed(m: Methodology, name: str, lang: str) -> str:
    spec = m.facts[name]
    vi = lang == "vi"
    if spec.type == "count":
        return "số nguyên ≥ 0" if vi else "whole number ≥ 0"
    if spec.type == "percent":
        return "0–100 (%)"
    if spec.type == "boolean":
        return "có / không" if vi else "yes / no"
    if spec.type == "date":
        return "ngày (dd/mm/yyyy)" if vi else "date"
    lo, hi = spec.min, spec.max
    bounds = f"{lo if lo is not None else '…'}–{hi if hi is not None else '…'}"
    return ("số thập phân " if vi else "decimal ") + (bounds if lo is not None or hi is not None else "")


def lead_name(units: LeadUnits | None, code: str, lang: str) -> str:
    if units is None:
        return ""
    a = units.for_item(code)
    return units.name(a.lead if a else None, lang)


def print_setup(ws: Worksheet, title_rows: str, lang: str) -> None:
    """A4 landscape, every column on one page width, the header rows on every page, page numbers."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    footer = ws.oddFooter
    assert footer is not None  # a sheet's header and footer items always exist in openpyxl
    footer.center.text = text("workbook", lang)["footer"]
    footer.center.size = 9


def write_template(m: Methodology, path: str | os.PathLike[str] | IO[bytes], lang: str = "vi", units: LeadUnits | None = None,
                   facts: Iterable[str] | None = None, items: Iterable[str] | None = None, scope: str = "all",
                   filled: Facts | None = None) -> None:
    """A template for every fact and sub-criterion, or only `facts` and `items` (a split workbook).
    With `filled`, the agency, year, values, evidence and self-assessment are written in, so
    `import_xlsx` reads the same facts back. `path` may be a binary file object."""
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    wb = Workbook()
    assert isinstance(wb.active, Worksheet)  # a new workbook holds one ordinary worksheet
    info_sheet(wb.active, m, lang, filled, scope if scope != "all" else None)
    fact_list = [n for n in m.facts if facts is None or n in set(facts)]
    item_list = [c for c in m.leaves if items is None or c in set(items)]
    fact_sheets(wb, m, lang, fact_list, filled)
    ws = wb.create_sheet(ITEM_SHEET[lang])
    item_sheet(ws, m, lang, item_list, units, filled)
    meta_sheet(wb, m, lang, "template", scope, fact_list if facts is not None else None,
               ITEM_SHEET[lang], 1, ITEM_COLUMNS)
    wb.save(path)


def info_sheet(info: Worksheet, m: Methodology, lang: str, facts: Facts | None, unit_name: str | None) -> None:
    from openpyxl.styles import Font, PatternFill

    info.title = INFO[lang]
    words = text("workbook", lang)
    lines = [line.format(id=m.id, version=m.version) for line in words["info_lines"]]
    if unit_name:
        lines.append(words["info_unit"].format(unit=unit_name))
    for i, line in enumerate(lines, 1):
        put_text(info, i, 1, line)
    info["A1"].font = Font(bold=True, size=13)
    labels = words["agency_labels"]
    for i, label in enumerate(labels):
        info.cell(row=8 + i, column=1, value=label).font = Font(bold=True)
        info.cell(row=8 + i, column=2).fill = PatternFill("solid", fgColor=INPUT_FILL)
    if facts is not None:
        if facts.agency.code not in ("unknown", "?"):
            put_text(info, 8, 2, facts.agency.code)
            put_text(info, 9, 2, facts.agency.name)
        if facts.year is not None:
            info.cell(row=10, column=2, value=facts.year)
    info.column_dimensions["A"].width = 110
    info.column_dimensions["B"].width = 30


def fact_sheets(wb: Workbook, m: Methodology, lang: str, fact_list: list[str], facts: Facts | None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    by_field: dict[str, list[str]] = {f.code: [] for f in m.fields}
    for name in fact_list:
        by_field[field_of(m, name)].append(name)
    for f in m.fields:
        ws = wb.create_sheet(sheet_name(f.code, lang))
        ws.append(HEADERS[lang])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        words = text("workbook", lang)
        yesno = DataValidation(type="list", formula1=f'"{words["true"]},{words["false"]}"', allow_blank=True)
        ws.add_data_validation(yesno)
        date_dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
        ws.add_data_validation(date_dv)
        for row, name in enumerate(by_field[f.code], start=2):
            spec = m.facts[name]
            ws.cell(row=row, column=1, value=name)
            for col, value in ((2, spec.description.get(lang)), (3, spec.unit.get(lang)), (5, _allowed(m, name, lang)),
                              (10, ", ".join(m.users_of(name)))):
                put_text(ws, row, col, value)   # an overlay's text is a user's text too
            value_cell = ws.cell(row=row, column=4)
            value_cell.fill = PatternFill("solid", fgColor=INPUT_FILL)
            if facts is not None:
                _fill_fact(ws, row, name, facts, lang)
            date_dv.add(f"G{row}")
            if spec.type == "boolean":
                yesno.add(f"D{row}")
                continue
            value_cell.number_format = "0" if spec.type == "count" else "General"
            dv = _validation(spec, lang)
            ws.add_data_validation(dv)
            dv.add(f"D{row}")
        for letter, width in zip("ABCDEFGHIJK", (34, 60, 14, 14, 18, 18, 14, 24, 30, 14, 40)):
            ws.column_dimensions[letter].width = width
        for r in range(2, ws.max_row + 1):
            ws.cell(row=r, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "D2"
        print_setup(ws, "1:1", lang)


def _fill_fact(ws: Worksheet, row: int, name: str, facts: Facts, lang: str) -> None:
    v = facts.values.get(name)
    if v is not None:
        if isinstance(v, bool):
            ws.cell(row=row, column=4, value=text("workbook", lang)["true" if v else "false"])
        elif isinstance(v, Decimal):
            ws.cell(row=row, column=4, value=int(v) if v == v.to_integral_value() else float(v))
        else:
            ws.cell(row=row, column=4, value=v)
    evs = facts.evidence.get(name) or ()
    if len(evs) == 1:
        put_text(ws, row, 6, evs[0].number)
        if evs[0].date:
            ws.cell(row=row, column=7, value=evs[0].date).number_format = "DD/MM/YYYY"
        put_text(ws, row, 8, evs[0].issuer)
        put_text(ws, row, 11, evs[0].title)
    elif evs:  # several documents: one per line, in the same order in every column
        put_text(ws, row, 6, "\n".join(e.number for e in evs))
        put_text(ws, row, 7, "\n".join(e.date.strftime("%d/%m/%Y") if e.date else "" for e in evs))
        put_text(ws, row, 8, "\n".join(e.issuer or "" for e in evs))
        put_text(ws, row, 11, "\n".join(e.title or "" for e in evs))
    put_text(ws, row, 9, facts.notes.get(name))


def item_sheet(ws: Worksheet, m: Methodology, lang: str, item_list: list[str], units: LeadUnits | None, facts: Facts | None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    ws.append(ITEM_HEADERS[lang])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    leads = getattr(facts, "leads", {}) if facts is not None else {}
    reads: dict[str, list[str]] = {}
    for n in m.facts:
        for u in m.users_of(n):
            reads.setdefault(u, []).append(n)
    for row, code in enumerate(item_list, start=2):
        leaf = m.leaves[code]
        ws.cell(row=row, column=1, value=code)
        put_text(ws, row, 2, leaf.name.get(lang))
        ws.cell(row=row, column=3, value=float(leaf.max))
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=str(leaf.max), allow_blank=True)
        ws.add_data_validation(dv)
        dv.add(f"D{row}")
        if facts is not None:
            if code in facts.claimed:
                ws.cell(row=row, column=4, value=float(facts.claimed[code]))
            put_text(ws, row, 5, facts.explanations.get(code))
        put_text(ws, row, 6, leads.get(code) or lead_name(units, code, lang))
        put_text(ws, row, 7, ", ".join(reads.get(code, [])))
        for col in (4, 5, 6):
            ws.cell(row=row, column=col).fill = PatternFill("solid", fgColor=INPUT_FILL)
        ws.cell(row=row, column=5).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEFG", (10, 60, 10, 12, 50, 28, 40)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "C2"
    print_setup(ws, "1:1", lang)


def meta_sheet(wb: Workbook, m: Methodology, lang: str, kind: str, scope: str, fact_list: list[str] | None,
               items_sheet: str, items_header_row: int, columns: dict[str, int]) -> None:
    meta = wb.create_sheet(META_SHEET)
    rows: list[tuple[str, Any]] = [("methodology", m.id), ("version", m.version), ("digest", m.digest), ("lang", lang),
                                   ("kind", kind), ("scope", scope), ("items_sheet", items_sheet),
                                   ("items_header_row", items_header_row)]
    rows += [(f"col_{k}", v) for k, v in columns.items()]
    if fact_list is not None:
        rows.append(("facts", " ".join(fact_list)))
    for r, (k, v) in enumerate(rows, 1):
        meta.cell(row=r, column=1, value=k)
        put_text(meta, r, 2, v) if isinstance(v, str) else meta.cell(row=r, column=2, value=v)
    meta.sheet_state = "hidden"


def _validation(spec: Any, lang: str) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    invalid = text("workbook", lang)["invalid"]
    if spec.type == "count":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    elif spec.type == "percent":
        # a percent-formatted cell holds 0–1 (86,42% is 0.8642), a plain one 0–100
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
    elif spec.type == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
    elif spec.min is not None and spec.max is not None:
        dv = DataValidation(type="decimal", operator="between", formula1=str(spec.min), formula2=str(spec.max), allow_blank=True)
    elif spec.min is not None:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=str(spec.min), allow_blank=True)
    else:
        dv = DataValidation(type="decimal", allow_blank=True, operator="between", formula1="-1E15", formula2="1E15")
    dv.error, dv.errorTitle, dv.showErrorMessage = invalid, "parscore", True
    return dv


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60] or "unit"


def write_split_templates(m: Methodology, directory: str | os.PathLike[str], lang: str, units: LeadUnits | None) -> list[Path]:
    """One template per lead unit with only the sub-criteria it leads and the facts they read.

    A fact read by items of two units appears in both workbooks; `import` merges them
    and refuses different values. Nothing is written if any target file exists.
    """
    if units is None:
        raise InputError.one("--split-by-unit", None, "", msg("split_needs_units", lang), "PS265")
    groups: dict[str | None, list[str]] = {}
    for code in m.leaves:
        a = units.for_item(code)
        groups.setdefault(a.lead if a else None, []).append(code)
    out = Path(directory)
    plan: list[tuple[Path, str | None, list[str], list[str]]] = []
    for key in [*units.units, None]:
        if key not in groups:
            continue
        items = groups[key]
        facts = [n for n in m.facts if any(u in items for u in m.users_of(n))]
        stem = _slug(key) if key else msg("unassigned_file", lang)
        plan.append((out / f"{stem}.xlsx", key, items, facts))
    clash = [Problem(str(p), None, "", msg("exists", lang), "PS266") for p, *_ in plan if os.path.lexists(p)]
    if clash:
        raise InputError(clash)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for p, key, items, facts in plan:
        write_template(m, p, lang, units, facts=facts, items=items,
                       scope=clean_text(units.name(key, lang)) if key else UNASSIGNED[lang])
        written.append(p)
    return written
