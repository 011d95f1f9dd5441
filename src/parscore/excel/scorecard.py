"""The scorecard workbook: MoHA's self-assessment table with live sums, set up to print
(A4 landscape, fit to width, header row repeated, wrapped text, page numbers), and
carrying the facts and the self-assessment so that it can be edited and re-imported.
"""
from __future__ import annotations

import os
from typing import IO, TYPE_CHECKING

from ..i18n import ByLanguage, text
from ..loading import Facts, Methodology
from ..models import Scorecard
from .safety import put_text
from .template import fact_sheets, info_sheet, lead_name, meta_sheet, print_setup

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from ..units import LeadUnits

HEAD = ByLanguage("workbook", "scorecard_head")
PROVENANCE = ByLanguage("workbook", "provenance")
SCORECARD_COLUMNS = {"code": 1, "claimed": 4, "explanation": 9, "lead": 10}
WIDTHS = (7, 40, 8, 9, 9, 9, 20, 36, 26, 16, 12)


def provenance_label(p: str, lang: str) -> str:
    return str(PROVENANCE[lang].get(p, p))


def _sum(col: str, refs: list[str], blank_when_empty: bool) -> str:
    """SUM over cells or ranges; blank (not 0) when none of them holds a number."""
    args = ",".join(refs)
    if not blank_when_empty:
        return f"=SUM({args})"
    return f'=IF(COUNT({args})=0,"",SUM({args}))'


def _height(ws: Worksheet, r: int) -> float:
    """Row height for wrapped text: spreadsheet programs do not grow rows written by a library."""
    lines = 1
    for i, width in enumerate(WIDTHS, 1):
        v = ws.cell(row=r, column=i).value
        if isinstance(v, str) and not v.startswith("="):
            per_line = max(1, int(width * 0.9))   # word wrapping wastes part of each line
            lines = max(lines, sum(-(-max(1, len(part)) // per_line) for part in v.split("\n")))
    return min(409, 13.5 * lines + 2)


def write_scorecard(card: Scorecard, m: Methodology, path: str | os.PathLike[str] | IO[bytes], facts: Facts | None = None,
                    units: LeadUnits | None = None) -> None:
    """STT, item, max, self-assessed, computed, appraised, evidence, reasons, giải trình,
    lead unit, source. Parent rows sum their children with formulas, so the workbook stays
    live when an appraiser edits a cell; empty self-assessed or appraised sums stay blank."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.worksheet import Worksheet

    lang = card.lang
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook holds one ordinary worksheet
    ws.title = text("workbook", lang)["scorecard_sheet"]
    title = text("workbook", lang)["scorecard_title"]
    put_text(ws, 1, 1, f"{title} — {card.agency.name} — {card.year or '—'} — {card.methodology['id']} {card.methodology['version']}")
    ws["A1"].font = Font(bold=True, size=12)
    head = HEAD[lang]
    ws.append(head)
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    top = Alignment(wrap_text=True, vertical="top")
    for hc in ws[2]:
        hc.font = Font(bold=True)
        hc.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        hc.fill = PatternFill("solid", fgColor="D9E1F2")
        hc.border = box
    items = {it.code: it for it in card.items}
    leads = getattr(facts, "leads", {}) if facts is not None else {}
    explanations = facts.explanations if facts is not None else {}
    appraised_stage = card.stage == "appraised"
    field_rows: list[int] = []
    row = 3
    bold = Font(bold=True)
    shade = PatternFill("solid", fgColor="FCE4D6")
    for f in m.fields:
        frow = row
        field_rows.append(frow)
        ws.cell(row=row, column=1, value=f.code).font = bold
        put_text(ws, row, 2, f.name.get(lang)).font = bold
        row += 1
        crit_rows = []
        for c in f.criteria:
            crow = row
            crit_rows.append(crow)
            ws.cell(row=row, column=1, value=c.code)
            put_text(ws, row, 2, c.name.get(lang)).font = Font(italic=True)
            row += 1
            first = row
            for s in c.sub_criteria:
                it = items[s.code]
                ev = "; ".join(f"{e.number}" + (f" ({e.date.strftime('%d/%m/%Y')})" if e.date else "") + (f", {e.issuer}" if e.issuer else "")
                               for evs in it.evidence.values() for e in evs)
                reasons = " ".join(d.reason for d in it.deductions)
                computed = it.computed if it.computed is not None else it.points
                na = it.status == "not_applicable"
                ws.cell(row=row, column=1, value=s.code)
                put_text(ws, row, 2, s.name.get(lang))
                ws.cell(row=row, column=3, value=0 if na else float(s.max))
                if it.claimed is not None:
                    ws.cell(row=row, column=4, value=float(it.claimed))
                ws.cell(row=row, column=5, value=float(computed))
                if appraised_stage:
                    ws.cell(row=row, column=6, value=float(it.points))
                put_text(ws, row, 7, ev or None)
                put_text(ws, row, 8, reasons or None)
                put_text(ws, row, 9, explanations.get(s.code))
                put_text(ws, row, 10, leads.get(s.code) or lead_name(units, s.code, lang) or None)
                prov = provenance_label(it.provenance, lang)
                rprov = provenance_label(it.rule_provenance, lang)
                put_text(ws, row, 11, prov if prov == rprov else f"{prov} / {rprov}")
                if "reconstructed" in (it.provenance, it.rule_provenance):
                    ws.cell(row=row, column=11).fill = shade
                row += 1
            last = row - 1
            for col in "CDEF":
                ws[f"{col}{crow}"] = _sum(col, [f"{col}{first}:{col}{last}"], col in "DF")
                ws[f"{col}{crow}"].font = Font(italic=True)
        for col in "CDEF":
            ws[f"{col}{frow}"] = _sum(col, [f"{col}{r}" for r in crit_rows], col in "DF")
            ws[f"{col}{frow}"].font = bold
    total_row = row
    ws.cell(row=row, column=2, value=text("workbook", lang)["total"]).font = bold
    for col in "CDEF":
        ws[f"{col}{row}"] = _sum(col, [f"{col}{r}" for r in field_rows], col in "DF")
        ws[f"{col}{row}"].font = bold
    ws.cell(row=row + 1, column=2, value=text("workbook", lang)["index"]).font = bold
    ws[f"E{row + 1}"] = f"=ROUND(E{total_row}/C{total_row}*100,2)"
    for col in "DF":
        ws[f"{col}{row + 1}"] = f'=IF(COUNT({col}3:{col}{total_row - 1})=0,"",ROUND({col}{total_row}/C{total_row}*100,2))'
    for r in range(2, row + 2):
        for ci in range(1, len(head) + 1):
            cell = ws.cell(row=r, column=ci)
            cell.border = box
            if r > 2:
                cell.alignment = top
            if r > 2 and 3 <= ci <= 6:
                cell.number_format = "0.00"
    note = text("workbook", lang)["scorecard_note"]
    put_text(ws, row + 3, 2, note).alignment = top
    ws.merge_cells(start_row=row + 3, start_column=2, end_row=row + 3, end_column=9)
    ws.row_dimensions[row + 3].height = 45
    for i, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[chr(64 + i)].width = width
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(head))
    ws.row_dimensions[1].height = 20
    for r in range(2, row + 2):
        ws.row_dimensions[r].height = _height(ws, r)
    ws.freeze_panes = "C3"
    print_setup(ws, "2:2", lang)
    if facts is not None:
        info_sheet(wb.create_sheet(), m, lang, facts, None)
        fact_sheets(wb, m, lang, list(m.facts), facts)
        meta_sheet(wb, m, lang, "scorecard", "all", None, ws.title, 2, SCORECARD_COLUMNS)
    wb.active = 0
    wb.save(path)
