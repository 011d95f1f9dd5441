"""The scorecard workbook prints well and speaks Vietnamese: A4 landscape, one page wide,
the header row on every page, wrapped text, set column widths, page numbers, a
Vietnamese source column, and blank (not 0) where nothing was self-assessed or appraised."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from conftest import ROOT, run_cli
from parscore import load_facts, load_methodology, score
from parscore.excel import write_scorecard

M = load_methodology("par-province-892")
FACTS = ROOT / "fixtures/ca-mau-2025/weaknesses.yaml"
MACHINE_WORDS = ("reconstructed", "plan-126", "official", "missing_facts", "not_applicable")


def scorecard(tmp_path, *args):
    from openpyxl import load_workbook

    path = tmp_path / "card.xlsx"
    r = run_cli("score", str(FACTS), "-f", "xlsx", "-o", str(path), *args)
    assert r.returncode == 0, r.stderr
    return path, load_workbook(path)


def test_print_setup(tmp_path):
    _, wb = scorecard(tmp_path)
    ws = wb["Bảng điểm"]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9   # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$2:$2"
    assert ws.oddFooter.center.text == "Trang &P / &N"
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEFGHIJK"}
    assert widths == dict(zip("ABCDEFGHIJK", (7, 40, 8, 9, 9, 9, 20, 36, 26, 16, 12)))
    head = [c.value for c in ws[2]]
    assert head == ["STT", "Lĩnh vực / tiêu chí / tiêu chí thành phần", "Điểm tối đa", "Điểm tự đánh giá", "Điểm theo quy tắc",
                    "Điểm thẩm định", "Tài liệu kiểm chứng", "Lý do trừ điểm", "Giải trình", "Đơn vị chủ trì",
                    "Nguồn (điểm tối đa / ngưỡng)"]
    reasons = [ws.cell(row=r, column=8) for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=8).value]
    assert reasons and all(c.alignment.wrap_text for c in reasons)
    assert all(ws.cell(row=r, column=2).alignment.wrap_text for r in range(3, 20))


def test_source_column_is_vietnamese(tmp_path):
    _, wb = scorecard(tmp_path)
    ws = wb["Bảng điểm"]
    sources = {ws.cell(row=r, column=11).value for r in range(3, ws.max_row + 1)} - {None}
    assert sources and sources <= {"tái dựng", "KH 126", "chính thức", "công bố", "tái dựng / KH 126", "chính thức / KH 126",
                                    "chính thức / tái dựng", "tái dựng / chính thức", "KH 126 / tái dựng", "công bố / tái dựng"}
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str) and not c.value.startswith("="))
    assert not any(w in text for w in MACHINE_WORDS)


def test_empty_self_assessed_and_appraised_subtotals_are_blank_not_zero(tmp_path):
    from openpyxl import load_workbook
    from pycel import ExcelCompiler

    facts = replace(load_facts(FACTS, M), claimed={})
    card = score(M, facts)
    path = tmp_path / "none.xlsx"
    write_scorecard(card, M, path, facts)
    ws = load_workbook(path)["Bảng điểm"]
    total = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=2).value == "TỔNG CỘNG")
    xl = ExcelCompiler(filename=str(path))
    field_rows = [r for r in range(3, total) if ws.cell(row=r, column=1).value in {f.code for f in M.fields}]
    crit_rows = [r for r in range(3, total) if ws.cell(row=r, column=1).value in {c.code for f in M.fields for c in f.criteria}]
    for r in [*field_rows, *crit_rows, total, total + 1]:
        for col in "DF":
            assert xl.evaluate(f"{ws.title}!{col}{r}") in ("", None), (col, r)
    assert Decimal(str(round(xl.evaluate(f"{ws.title}!E{total}"), 2))) == card.total
    # one self-assessed item: its criterion, field and the total show it; other criteria stay blank
    facts1 = replace(facts, claimed={"1.3.1": Decimal("0.5")})
    write_scorecard(score(M, facts1), M, path, facts1)
    xl = ExcelCompiler(filename=str(path))
    crit = next(r for r in crit_rows if ws.cell(row=r, column=1).value == "1.3")
    assert xl.evaluate(f"{ws.title}!D{crit}") == 0.5 and xl.evaluate(f"{ws.title}!D{total}") == 0.5
    other = next(r for r in crit_rows if ws.cell(row=r, column=1).value == "1.4")
    assert xl.evaluate(f"{ws.title}!D{other}") in ("", None)


@pytest.mark.parametrize("lang", ["en"])
def test_english_scorecard_workbook(tmp_path, lang):
    _, wb = scorecard(tmp_path, "--lang", lang)
    ws = wb["Scorecard"]
    assert ws.cell(row=2, column=11).value == "Source (maximum / thresholds)"
    assert ws.oddFooter.center.text == "Page &P / &N"
