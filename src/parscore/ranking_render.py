"""A ranking of units as a terminal table, JSON, a print-ready workbook and an HTML
page ready to publish with the province's decision (self-contained, national header)."""
from __future__ import annotations

import os
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from tabulate import tabulate

from .explanation import fmt_number
from .i18n import text as ui_text
from .ranking import Ranking, RankRow
from .render.common import to_json


def _r(key: str, lang: str) -> str:
    return str(ui_text("ranking", lang)[key])


def _n(d: Decimal | None, lang: str, places: int | None = None) -> str:
    return "—" if d is None else fmt_number(d, lang, places)


def _notes(row: RankRow, lang: str) -> str:
    parts = []
    if row.survey_absent:
        parts.append(_r("survey_absent", lang))
    if row.not_assigned:
        parts.append(_r("not_assigned", lang).format(codes=", ".join(row.not_assigned)))
    if row.missing_items:
        parts.append(_r("missing", lang).format(codes=", ".join(row.missing_items)))
    if row.bonus:
        parts.append(_r("bonus", lang).format(b=_n(row.bonus, lang)))
    if row.penalty:
        parts.append(_r("penalty", lang).format(p=_n(row.penalty, lang)))
    return "; ".join(parts)


def _title(r: Ranking) -> str:
    lang = r.lang
    return _r("title", lang).format(year=r.year or "").strip() + " " + str(ui_text("ranking", lang)["of_level"][r.level])


def render_ranking(r: Ranking, fmt: str) -> str:
    if fmt == "json":
        return to_json(r)
    lang = r.lang
    md = fmt == "markdown"
    tf = "github" if md else "simple"
    head = [_r("rank", lang), _r("unit", lang), _r("index", lang), _r("band", lang), _r("points", lang), _r("max", lang)] + \
           [f"{_r('field', lang)}{f.code}" for f in r.fields] + [_r("notes", lang)]
    rows = [[x.rank, x.name, _n(x.index, lang, 2), x.band_name, _n(x.total, lang), _n(x.applicable_max, lang)]
            + [_lost(x.lost_by_field[f.code], lang) for f in r.fields] + [_notes(x, lang)] for x in r.units]
    out = [("# " if md else "") + _title(r), f"{_r('methodology', lang)}: {r.methodology['id']} ({r.methodology['version']})"
           + (f" · overlay: {r.overlay}" if r.overlay else ""), ""]
    if r.illustrative:
        out += [("> " if md else "") + _r("illustrative", lang), ""]
    out.append(tabulate(rows, headers=head, tablefmt=tf, disable_numparse=True,
                        maxcolwidths=[None, 28, None, 18, None, None] + [None] * len(r.fields) + [40]))
    out += ["", f"{_r('legend', lang)}: " + "; ".join(f"{_r('field', lang)}{f.code} = {f.name} ({_n(f.max, lang)})" for f in r.fields),
            f"{_r('bands', lang)}: " + "; ".join(f"{b['name']}: {b['range']}" for b in r.bands),
            f"{_r('tie', lang)}: {r.tie_rule}", _r("provenance", lang)]
    if r.skipped:
        out.append(_r("skipped", lang).format(files=", ".join(r.skipped)))
    return "\n".join(out) + "\n"


def _lost(d: Decimal, lang: str) -> str:
    return "0" if d == 0 else "−" + fmt_number(d, lang)


def ranking_xlsx(r: Ranking, decision: str | None = None) -> bytes:
    """A print-ready workbook's bytes: A4 landscape, fit to one page wide, header rows repeated."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties
    from openpyxl.worksheet.worksheet import Worksheet

    lang = r.lang
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook holds one ordinary worksheet
    ws.title = _r("sheet", lang)
    ncol = 6 + len(r.fields) + 1
    last = get_column_letter(ncol)
    ws.append([r.issuer or _r("issuer_blank", lang)])
    ws.append([_title(r)])
    ws.append([_r("attached", lang).format(decision=decision or _r("decision_blank", lang))])
    for row in (1, 2, 3):
        ws.merge_cells(f"A{row}:{last}{row}")
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="center", wrap_text=True)
        ws.cell(row=row, column=1).font = Font(bold=row != 3, italic=row == 3, size=13 if row == 2 else 11)
    head1 = [_r("rank", lang), _r("unit", lang), _r("index", lang), _r("band", lang), _r("points", lang), _r("max", lang)] + \
            [_r("lost_by_field", lang)] + [None] * (len(r.fields) - 1) + [_r("notes", lang)]
    head2 = [None] * 6 + [f"{_r('field', lang)}{f.code}" for f in r.fields] + [None]
    ws.append(head1)
    ws.append(head2)
    for c in range(1, ncol + 1):
        if c <= 6 or c == ncol:
            ws.merge_cells(start_row=4, start_column=c, end_row=5, end_column=c)
    ws.merge_cells(start_row=4, start_column=7, end_row=4, end_column=6 + len(r.fields))
    ws.row_dimensions[4].height = 32
    ws.row_dimensions[5].height = 16
    thin = Side(style="thin", color="888888")
    for cells in ws.iter_rows(min_row=4, max_row=5, max_col=ncol):
        for cell in cells:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.fill = PatternFill("solid", fgColor="EEEEEE")
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for x in r.units:
        ws.append([x.rank, x.name, float(x.index), x.band_name, float(x.total), float(x.applicable_max)]
                  + [float(x.lost_by_field[f.code]) for f in r.fields] + [_notes(x, lang)])
        row = ws.max_row
        ws.cell(row=row, column=3).number_format = "0.00"
        for c in range(1, ncol + 1):
            cell = ws.cell(row=row, column=c)
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(vertical="top", wrap_text=c in (2, 4, ncol), horizontal="center" if c == 1 else None)
        # Excel and LibreOffice do not grow a row for wrapped text written by a library: size it here
        lines = max(-(-len(_notes(x, lang)) // 44), -(-len(x.name) // 32), 1)
        ws.row_dimensions[row].height = 15 * lines
    for row in (1, 2, 3):
        ws.row_dimensions[row].height = 18
    ws.append([])
    foot = [f"{_r('legend', lang)}: " + "; ".join(f"{_r('field', lang)}{f.code} = {f.name}" for f in r.fields),
            f"{_r('bands', lang)}: " + "; ".join(f"{b['name']}: {b['range']}" for b in r.bands),
            f"{_r('tie', lang)}: {r.tie_rule}", _r("provenance", lang),
            f"{_r('methodology', lang)}: {r.methodology['id']} ({r.methodology['version']}), {r.methodology['digest']}"]
    if r.illustrative:
        foot.insert(0, _r("illustrative", lang))
    for text in foot:
        ws.append([text])
        ws.merge_cells(f"A{ws.max_row}:{last}{ws.max_row}")
        ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[ws.max_row].height = 30
    widths = [7, 32, 10, 12, 9, 11] + [7] * len(r.fields) + [42]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = "4:5"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.freeze_panes = "C6"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


CSS = """
@page { size: A4 landscape; margin: 12mm 10mm; }
body { font-family: "Times New Roman", "DejaVu Serif", serif; font-size: 11pt; color: #000; margin: 0 auto; max-width: 277mm; }
.head { display: flex; justify-content: space-between; text-align: center; margin-bottom: 8pt; }
.head div { width: 48%; } .head b { display: block; } .motto { text-decoration: underline; font-weight: bold; }
h1 { text-align: center; font-size: 13.5pt; margin: 10pt 0 2pt; } .att { text-align: center; font-style: italic; margin: 0 0 10pt; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; } th, td { border: 1px solid #444; padding: 3pt 4pt; vertical-align: top; }
th { background: #eee; } thead { display: table-header-group; } tr { page-break-inside: avoid; }
td.n { text-align: right; white-space: nowrap; } td.c { text-align: center; }
.note { font-size: 9.5pt; margin: 6pt 0 0; } .warn { border: 1px solid #b00; color: #b00; padding: 4pt; text-align: center; font-weight: bold; }
"""


def render_ranking_html(r: Ranking, decision: str | None = None) -> str:
    lang = r.lang
    e = escape
    issuer = r.issuer or _r("issuer_blank", lang)
    fields = r.fields
    out = [f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{e(_title(r))}</title><style>{CSS}</style></head><body>',
           f"<div class='head'><div><b>{e(issuer)}</b></div><div><b>{e(_r('nation', lang))}</b><span class='motto'>{e(_r('motto', lang))}</span></div></div>",
           f"<h1>{e(_title(r))}</h1>",
           f"<p class='att'>{e(_r('attached', lang).format(decision=decision or _r('decision_blank', lang)))}</p>"]
    if r.illustrative:
        out.append(f"<p class='warn'>{e(_r('illustrative', lang))}</p>")
    out.append("<table><thead><tr>" + "".join(f"<th rowspan='2'>{e(_r(k, lang))}</th>" for k in ("rank", "unit", "index", "band", "points", "max"))
               + f"<th colspan='{len(fields)}'>{e(_r('lost_by_field', lang))}</th><th rowspan='2'>{e(_r('notes', lang))}</th></tr><tr>"
               + "".join(f"<th>{e(_r('field', lang))}{e(f.code)}</th>" for f in fields) + "</tr></thead><tbody>")
    for x in r.units:
        out.append(f"<tr><td class='c'>{x.rank}</td><td>{e(x.name)}</td><td class='n'>{e(_n(x.index, lang, 2))}</td><td>{e(x.band_name)}</td>"
                   f"<td class='n'>{e(_n(x.total, lang))}</td><td class='n'>{e(_n(x.applicable_max, lang))}</td>"
                   + "".join(f"<td class='n'>{e(_lost(x.lost_by_field[f.code], lang))}</td>" for f in fields)
                   + f"<td>{e(_notes(x, lang))}</td></tr>")
    out.append("</tbody></table>")
    out.append(f"<p class='note'><b>{e(_r('legend', lang))}:</b> " + "; ".join(f"{e(_r('field', lang))}{e(f.code)}: {e(f.name)} ({e(_n(f.max, lang))})" for f in fields) + "</p>")
    out.append(f"<p class='note'><b>{e(_r('bands', lang))}:</b> " + "; ".join(e(f"{b['name']}: {b['range']}") for b in r.bands) + "</p>")
    out.append(f"<p class='note'><b>{e(_r('tie', lang))}:</b> {e(r.tie_rule)}</p>")
    out.append(f"<p class='note'>{e(_r('provenance', lang))} {e(_r('methodology', lang))}: {e(r.methodology['name'])} "
               f"({e(r.methodology['id'])}, {e(r.methodology['version'])}, {e(r.methodology['digest'])})"
               + (f"; overlay: {e(r.overlay)}" if r.overlay else "") + ".</p>")
    out.append("</body></html>\n")
    return "".join(out)

