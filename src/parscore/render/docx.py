"""`-f docx`: the province's self-assessment report (báo cáo tự đánh giá) in the
administrative form of Decree 30/2020/NĐ-CP, written with python-docx.

Layout: A4, margins 20 mm top and bottom, 30 mm left, 15 mm right; Times New Roman,
body 14 pt, tables 13 pt; the issuing body beside the national header, number and date
placeholders, the title, I. the summary table by field, II. the items without full
evidence or with missing data with their explanations, III. difficulties and proposals to
fill in, and the signature block (Nơi nhận / TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH). Page numbers
at the top centre from page 2, as the decree asks."""
from __future__ import annotations

import datetime as dt
import os
from typing import IO, AbstractSet, Any

from ..loading import Facts, Methodology
from ..models import Scorecard
from .common import missing_lines, num, pct
from .official import d, date_line, field_table, gaps, issuing_body, stage_note, subject

FONT = "Times New Roman"
BODY_PT, TABLE_PT = 14, 13
DOTS = "." * 124


def render_docx(card: Scorecard, m: Methodology, facts: Facts | None, output: str | os.PathLike[str] | IO[bytes], on: dt.date | None = None) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Mm, Pt

    lang = card.lang
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(20), Mm(20), Mm(30), Mm(15)
    sec.header_distance = Mm(10)
    usable = Mm(210 - 30 - 15)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY_PT)
    _east_asian(normal.element, FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    doc.core_properties.title = f"{d('kind', lang)} {subject(card)}"
    doc.core_properties.author = card.agency.name
    doc.core_properties.language = lang

    # page numbers: top centre, not on the first page (Decree 30)
    sec.different_first_page_header_footer = True
    hp = sec.header.paragraphs[0]
    hp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(hp, TABLE_PT + 1)

    def para(text: str = "", size: int = BODY_PT, bold: bool = False, italic: bool = False, align: Any = None,
             indent: bool = False, before: int = 0, after: int = 0, container: Any = doc) -> Any:
        p = container.add_paragraph()
        if text:
            r = p.add_run(text)
            r.font.size, r.bold, r.italic = Pt(size), bold, italic
        if align is not None:
            p.alignment = align
        pf = p.paragraph_format
        pf.space_before, pf.space_after = Pt(before), Pt(after)
        if indent:
            pf.first_line_indent = Cm(1.27)
        if bold and container is doc:
            pf.keep_with_next = True    # a heading never ends a page
        return p

    C, J = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY

    # ---- national header beside the issuing body
    head = doc.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    _widths(head, [Cm(6.2), usable - Cm(6.2)])
    lines = issuing_body(card.agency.name, lang)
    left.paragraphs[0].text = ""
    for i, line in enumerate(lines):
        p = left.paragraphs[0] if i == 0 else left.add_paragraph()
        r = p.add_run(line)
        r.font.size, r.bold = Pt(13), True
        p.alignment = C
    _rule(left.add_paragraph(), Cm(2.0), Cm(6.2))
    para(d("number", lang), 13, align=C, container=left, before=4)
    p = right.paragraphs[0]
    r = p.add_run(d("nation", lang))
    r.font.size, r.bold = Pt(12 if lang == "vi" else 13), True
    p.alignment = C
    para(d("motto", lang), 14 if lang == "vi" else 13, bold=True, align=C, container=right)
    _rule(right.add_paragraph(), Cm(5.8), usable - Cm(6.2))
    para(date_line(card.agency.name, lang, on), 14, italic=True, align=C, container=right, before=4)

    # ---- title
    para(d("kind", lang), 14, bold=True, align=C, before=18)
    para(subject(card), 14, bold=True, align=C)
    para(stage_note(card), 13, italic=True, align=C)
    _rule(doc.add_paragraph(), Cm(4.0), usable)
    para(d("intro", lang).format(agency=card.agency.name, year=card.year or "...."), indent=True, align=J, before=12, after=6)

    # ---- I. results
    para(d("s1", lang), bold=True, before=6, after=3)
    para(d("s1_text", lang).format(total=num(card.total, lang), max=num(card.applicable_max, lang),
                                   index=pct(card.index, lang), group=card.group), indent=True, align=J, after=3)
    head_text, missing = missing_lines(card)
    if missing:
        para(head_text, bold=True, indent=True, align=J, after=3)
    table = field_table(card)
    _grid(doc, table.head, table.rows, table.widths, usable, numeric=set(range(2, len(table.head))), bold_last=True)
    if table.note:
        para(table.note, 12, italic=True, align=J, before=2)

    # ---- II. items without full evidence or with missing data
    para(d("s2", lang), bold=True, before=12, after=3)
    found = gaps(card, m, facts) if facts is not None else []
    if not found:
        para(d("s2_none", lang), indent=True, align=J)
    else:
        rows = [[g.item.code, g.item.name, f"{num(g.item.points, lang)}/{num(g.item.max, lang)}", "\n".join(g.problems),
                 g.explanation or d("to_explain", lang)] for g in found]
        _grid(doc, [d("code", lang), d("item", lang), d("points", lang), d("problem", lang), d("explanation", lang)], rows,
              [8, 25, 12, 31, 24], usable, numeric={2})

    # ---- III. difficulties and proposals, to fill in
    para(d("s3", lang), bold=True, before=12, after=3)
    for key in ("s3_1", "s3_2"):
        para(d(key, lang), bold=True, indent=True, before=3)
        for _ in range(3):
            para(DOTS, 13, align=J)

    # ---- signature block
    sign = doc.add_table(rows=1, cols=2)
    _widths(sign, [Cm(8.0), usable - Cm(8.0)])
    left, right = sign.rows[0].cells
    p = left.paragraphs[0]
    r = p.add_run(d("recipients", lang))
    r.font.size, r.bold, r.italic = Pt(12), True, True
    p.paragraph_format.space_before = Pt(18)
    for line in d("recipient_list", lang).split("\n"):
        para(line, 11, container=left)
    p = right.paragraphs[0]
    r = p.add_run(d("on_behalf", lang))
    r.font.size, r.bold = Pt(14), True
    p.alignment = C
    p.paragraph_format.space_before = Pt(18)
    para(d("chair", lang), 14, bold=True, align=C, container=right)
    para(d("sign_hint", lang), 13, italic=True, align=C, container=right)
    for _ in range(4):
        para("", container=right)
    para("." * 30, 14, align=C, container=right)
    doc.save(os.fspath(output) if isinstance(output, os.PathLike) else output)  # python-docx takes a str or a stream


def _east_asian(style_el: Any, font: str) -> None:
    """Set the font for every script, so Vietnamese diacritics never fall back to another face."""
    from docx.oxml.ns import qn

    rpr = style_el.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for key in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(key), font)


def _page_field(p: Any, size: int) -> None:
    """A PAGE field (Word fills in the number)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run = p.add_run()
    run.font.size = Pt(size)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == "1":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _rule(p: Any, length: Any, width: Any) -> None:
    """A short centred horizontal line (the rule under the issuing body, the motto and the title)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    side = int((width - length) / 2)
    p.paragraph_format.left_indent = side
    p.paragraph_format.right_indent = side
    p.paragraph_format.space_after = Pt(0)
    pbdr = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(k), v)
    pbdr.append(top)
    p._p.get_or_add_pPr().append(pbdr)
    r = p.add_run("")
    r.font.size = Pt(4)


def _widths(table: Any, widths: list[Any]) -> None:
    """Column widths on the grid (LibreOffice reads these) and on every cell (Word reads those)."""
    table.autofit = False
    for col, w in zip(table.columns, widths):
        col.width = w
    for row in table.rows:
        for cell, w in zip(row.cells, widths):
            cell.width = w


def _grid(doc: Any, head: list[str], rows: list[list[str]], percents: list[int], usable: Any, numeric: AbstractSet[int] = frozenset(),
          bold_last: bool = False) -> Any:
    """A bordered table, header row repeated on every page, rows kept whole."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.shared import Pt

    table = doc.add_table(rows=1 + len(rows), cols=len(head))
    table.style = "Table Grid"
    widths = [int(usable * p / sum(percents)) for p in percents]
    _widths(table, widths)
    for r_i, values in enumerate([head] + rows):
        row = table.rows[r_i]
        tr_pr = row._tr.get_or_add_trPr()
        flag = OxmlElement("w:tblHeader" if r_i == 0 else "w:cantSplit")
        tr_pr.append(flag)
        for c_i, (cell, value) in enumerate(zip(row.cells, values)):
            cell.text = ""
            for k, line in enumerate(str(value).split("\n")):
                p = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
                run = p.add_run(line)
                run.font.size = Pt(TABLE_PT)
                run.bold = r_i == 0 or (bold_last and r_i == len(rows))
                p.alignment = (WD_ALIGN_PARAGRAPH.CENTER if r_i == 0 else WD_ALIGN_PARAGRAPH.RIGHT if c_i in numeric else None)
    return table


DOCUMENTS = ("scorecard",)


def scorecard(card: Scorecard, m: Any, facts: Any, output: str | os.PathLike[str], on: dt.date | None = None) -> None:
    """The registry's name for `render_docx` (parscore.render)."""
    render_docx(card, m, facts, output, on)
