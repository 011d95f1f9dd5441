"""Reading cells as Excel stores them (number formats, numbers stored as text, dates typed
as text, the same fact twice) and writing user text so that it never becomes a formula."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import yaml

from conftest import ROOT, facts_text, run_cli
from parscore import InputError, load_facts, load_methodology, score
from parscore.excel import import_xlsx, sheet_name, write_scorecard, write_template

M = load_methodology("par-province-892")
FACTS = ROOT / "fixtures/ca-mau-2025/weaknesses.yaml"


def filled(tmp_path, name="filled.xlsx"):
    """A template filled from the Cà Mau fixture, as a clerk would, then reopened for edits."""
    from openpyxl import load_workbook

    facts = load_facts(FACTS, M)
    path = tmp_path / name
    write_template(M, path)
    wb = load_workbook(path)
    info = wb["Hướng dẫn"]
    info["B8"], info["B9"], info["B10"] = "ca-mau", "UBND tỉnh Cà Mau", 2025
    for f in M.fields:
        for row in wb[sheet_name(f.code, "vi")].iter_rows(min_row=2):
            v = facts.values.get(row[0].value)
            if v is not None:
                row[3].value = ("có" if v else "không") if isinstance(v, bool) else float(v) if isinstance(v, Decimal) else v
    return facts, path, wb


def cell_of(wb, fact):
    for f in M.fields:
        ws = wb[sheet_name(f.code, "vi")]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == fact:
                return ws, row[3]
    raise KeyError(fact)


def problems(path, lang="vi"):
    with pytest.raises(InputError) as exc:
        import_xlsx(path, M, lang)
    return [(p.field, p.message, p.code) for p in exc.value.problems]


def test_a_percent_formatted_cell_is_read_as_the_percentage_it_shows(tmp_path):
    # Vietnamese Excel: the official types 86,42%; Excel stores 0.8642 with the format 0.00%
    facts, path, wb = filled(tmp_path)
    ws, cell = cell_of(wb, "sipas_policy_satisfaction")
    cell.value, cell.number_format = 0.8642, "0.00%"
    wb.save(path)
    imported, doc = import_xlsx(path, M)
    assert imported.values["sipas_policy_satisfaction"] == Decimal("86.42")
    assert doc["facts"]["sipas_policy_satisfaction"] == 86.42
    a, b = score(M, facts.with_values({"sipas_policy_satisfaction": Decimal("86.42")})), score(M, imported)
    assert b.item("8.1.1").points == a.item("8.1.1").points
    assert b.item("8.1.1").points > Decimal("0.05") * b.item("8.1.1").max


def test_a_plain_number_in_a_percent_cell_means_percent_and_is_not_scaled(tmp_path):
    _, path, wb = filled(tmp_path)
    _, cell = cell_of(wb, "sipas_policy_satisfaction")
    cell.value, cell.number_format = 86.42, "0.00"
    wb.save(path)
    assert import_xlsx(path, M)[0].values["sipas_policy_satisfaction"] == Decimal("86.42")


def test_a_percent_format_on_a_count_is_refused(tmp_path):
    _, path, wb = filled(tmp_path)
    ws, cell = cell_of(wb, "par_inspection_units_inspected")
    cell.number_format = "0%"
    wb.save(path)
    assert problems(path) == [(f"{ws.title}!D{cell.row}", "par_inspection_units_inspected: ô định dạng phần trăm nhưng số liệu "
                               "này tính bằng cơ quan, đơn vị, địa phương; bỏ định dạng % (Format Cells → Number) và gõ lại số", "PS186")]


@pytest.mark.parametrize("text", ["86,42", "86,42%", "1.234", "86.42%", "86.42"])
def test_numbers_stored_as_text_get_the_vietnamese_excel_fix(tmp_path, text):
    _, path, wb = filled(tmp_path)
    ws, cell = cell_of(wb, "sipas_policy_satisfaction")
    cell.value = text            # a string cell: typed after an apostrophe, or into a Text cell
    wb.save(path)
    got = problems(path)
    assert got == [(f"{ws.title}!D{cell.row}",
                    f"sipas_policy_satisfaction: ô chứa chữ '{text}' (kiểu văn bản), không phải số. Trong Excel tiếng Việt "
                    "hãy gõ số vào ô định dạng Number hoặc Percentage (ví dụ gõ 86,42 hoặc 86,42%), hoặc xoá dấu nháy đơn (') "
                    "ở đầu ô; parscore không tự đoán dấu phẩy, dấu chấm", "PS186")]
    assert "dấu chấm thập phân" not in got[0][1] and "with a dot" not in got[0][1]


def test_the_cli_message_for_a_text_number_names_file_sheet_and_cell(tmp_path):
    _, path, wb = filled(tmp_path)
    ws, cell = cell_of(wb, "par_inspection_units_inspected")
    cell.value = "1.234"
    wb.save(path)
    r = run_cli("import", str(path))
    assert r.returncode == 2
    assert r.stderr.startswith(f"parscore: {path}: {ws.title}!D{cell.row}: par_inspection_units_inspected: ô chứa chữ '1.234'")
    assert r.stderr.rstrip().endswith("[PS186]") and "Traceback" not in r.stderr


def test_the_same_fact_on_two_sheets_is_an_error_naming_both_cells(tmp_path):
    _, path, wb = filled(tmp_path)
    ws, cell = cell_of(wb, "par_inspection_units_inspected")
    other = wb[sheet_name("8", "vi")]
    r = other.max_row + 1
    other.cell(row=r, column=1, value="par_inspection_units_inspected")
    other.cell(row=r, column=4, value=60)
    wb.save(path)
    assert problems(path) == [(f"{other.title}!A{r}", f"số liệu 'par_inspection_units_inspected' xuất hiện hai lần: ở "
                               f"{ws.title}!A{cell.row} và ở {other.title}!A{r}; giữ một dòng, xoá dòng kia", "PS263")]


def test_the_same_fact_on_two_rows_of_one_sheet(tmp_path):
    _, path, wb = filled(tmp_path)
    ws, cell = cell_of(wb, "par_inspection_units_inspected")
    r = ws.max_row + 1
    ws.cell(row=r, column=1, value="par_inspection_units_inspected")
    wb.save(path)
    got = problems(path, "en")
    assert got == [(f"{ws.title}!A{r}", f"fact 'par_inspection_units_inspected' appears twice: at {ws.title}!A{cell.row} and at "
                    f"{ws.title}!A{r}; keep one row and delete the other", "PS263")]


def test_an_evidence_date_typed_as_text_is_read_or_refused_never_dropped(tmp_path):
    _, path, wb = filled(tmp_path)
    ws, cell = cell_of(wb, "par_inspection_units_inspected")
    ws.cell(row=cell.row, column=6, value="45/BC-SNV")
    ws.cell(row=cell.row, column=7, value="28/11/2025")
    wb.save(path)
    imported, doc = import_xlsx(path, M)
    assert imported.evidence["par_inspection_units_inspected"][0].date == dt.date(2025, 11, 28)
    assert doc["facts"]["par_inspection_units_inspected"]["evidence"]["date"] == dt.date(2025, 11, 28)
    ws.cell(row=cell.row, column=7, value="cuối tháng 11")
    wb.save(path)
    assert problems(path) == [(f"{ws.title}!G{cell.row}", "số liệu: cần một ngày (gõ dd/mm/yyyy vào ô định dạng Date, ví dụ "
                               "28/11/2025), ô đang có 'cuối tháng 11'", "PS269")]


HOSTILE = ["=HYPERLINK(\"http://x\",\"bấm\")", "+84 912", "-1+2", "@SUM(A1)", "\tTab", "\rCR", "Sở\x01 Nội\x1b vụ"]


def test_user_text_is_never_written_as_a_formula(tmp_path):
    from openpyxl import load_workbook

    text = yaml.safe_load(facts_text(FACTS))
    text.pop("lead_units", None)
    text["agency"] = {"code": "ca-mau", "name": HOSTILE[0]}
    text["explanations"] = {"1.3.1": HOSTILE[3], "1.1.1": HOSTILE[6]}
    text["leads"] = {"1.3.1": HOSTILE[2], "1.1.1": HOSTILE[0]}
    ev = {"number": HOSTILE[1], "issuer": HOSTILE[5]}
    text["facts"]["par_inspection_units_inspected"] = {"value": 22, "evidence": ev, "note": HOSTILE[4]}
    src = tmp_path / "hostile.yaml"
    src.write_text(yaml.safe_dump(text, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "card.xlsx"
    r = run_cli("score", str(src), "-f", "xlsx", "-o", str(out))
    assert r.returncode == 0, r.stderr
    wb = load_workbook(out)
    formulas = [(ws.title, c.coordinate, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f" and not str(c.value).startswith(("=SUM(", "=IF(COUNT(", "=ROUND("))]
    assert formulas == []
    texts = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for h in HOSTILE[:5]:
        assert any(t == h or h in t for t in texts), h
    assert any(t.endswith("CR") and t[0] in "\r\n" for t in texts)   # XML turns a raw CR into a line feed
    assert "Sở Nội vụ" in texts and not any("\x01" in t or "\x1b" in t for t in texts)
    ws = wb["Bảng điểm"]
    assert ws["A1"].data_type == "s" and HOSTILE[0] in ws["A1"].value
    quoted = [c for row in ws.iter_rows() for c in row if c.value in (HOSTILE[2], HOSTILE[3])]
    assert quoted and all(c.data_type == "s" and c.quotePrefix for c in quoted)
    # and the text comes back as the same text
    doc = yaml.safe_load(run_cli("import", str(out)).stdout)
    assert doc["agency"]["name"] == HOSTILE[0] and doc["explanations"]["1.3.1"] == HOSTILE[3]
    assert doc["leads"]["1.3.1"] == HOSTILE[2]
    assert doc["facts"]["par_inspection_units_inspected"]["evidence"]["number"] == HOSTILE[1]


def test_template_and_scorecard_writers_never_emit_control_characters(tmp_path):
    facts = load_facts(FACTS, M)
    from dataclasses import replace

    bad = replace(facts, explanations={"1.3.1": "a\x00b\x08c\x0bd"})
    card = score(M, bad)
    write_scorecard(card, M, tmp_path / "c.xlsx", bad)   # openpyxl refuses control characters: this must not raise
    imported, _ = import_xlsx(tmp_path / "c.xlsx", M)
    assert imported.explanations["1.3.1"] == "abcd"


@pytest.mark.parametrize("fact,value,fmt,message", [
    ("par_inspection_units_inspected", 22.5, "General", "par_inspection_units_inspected: số đếm phải là số nguyên không âm, ô đang có 22,5"),
    ("par_inspection_units_inspected", -3, "General", "par_inspection_units_inspected: số đếm phải là số nguyên không âm, ô đang có -3"),
    ("sipas_policy_satisfaction", 120, "General", "sipas_policy_satisfaction: tỷ lệ phải trong khoảng 0–100 %, ô đang có 120 "
                                                  "(gõ 95 hoặc 95% cho 95 %)"),
    ("sipas_policy_satisfaction", 1.5, "0%", "sipas_policy_satisfaction: tỷ lệ phải trong khoảng 0–100 %, ô đang có 150 % "
                                             "(gõ 95 hoặc 95% cho 95 %)"),
    ("sipas_policy_satisfaction", dt.datetime(2025, 11, 28), "DD/MM/YYYY",
     "sipas_policy_satisfaction: ô định dạng ngày (Date) nhưng số liệu này là số; đổi định dạng ô sang Number rồi gõ lại số"),
])
def test_out_of_range_numbers_get_vietnamese_messages_with_decimal_commas(tmp_path, fact, value, fmt, message):
    _, path, wb = filled(tmp_path)
    ws, cell = cell_of(wb, fact)
    cell.value, cell.number_format = value, fmt
    wb.save(path)
    assert problems(path) == [(f"{ws.title}!D{cell.row}", message, "PS186")]


def _save_result(path, ref: str, result: str, error: bool = False) -> None:
    """Give the formula at `ref` the saved result `result` (an error such as #DIV/0!), as Excel
    saves a formula with its result."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    kind = ' t="e"' if error else ""
    for name, data in parts.items():
        if name.startswith("xl/worksheets/sheet"):
            parts[name] = re.sub(rf'<c r="{ref}"([^>]*)><f>([^<]*)</f><v\s*/?>(</v>)?', rf'<c r="{ref}"\1{kind}><f>\2</f><v>{result}</v>',
                                 data.decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _formula(tmp_path, formula: str, result: str | None = None, error: bool = False):
    """A filled template whose units-inspected cell holds `formula`, with `result` saved or none."""
    _, path, wb = filled(tmp_path)
    ws, cell = cell_of(wb, "par_inspection_units_inspected")
    cell.value = formula
    wb.save(path)
    if result is not None:
        _save_result(path, f"D{cell.row}", result, error)
    return path, f"{ws.title}!D{cell.row}"


def test_a_formula_without_its_result_is_named_not_read_as_an_empty_cell(tmp_path):
    """A formula written by a program (openpyxl, a script) has no saved result: it was read as
    an empty cell, and the item reported 'missing data' for a cell the person had filled."""
    path, where = _formula(tmp_path, "=10+5")
    assert problems(path, "en") == [(where, "par_inspection_units_inspected: the cell holds a formula (=10+5) "
                                     "whose result is not saved in the file (a program wrote it, not Excel); open the workbook "
                                     "in Excel or LibreOffice and save it, or type the number", "PS186")]


def test_a_cell_showing_an_excel_error_says_which(tmp_path):
    path, where = _formula(tmp_path, "=1/0", "#DIV/0!", error=True)
    assert problems(path) == [(where, "par_inspection_units_inspected: ô đang báo lỗi Excel #DIV/0!; "
                               "hãy sửa công thức hoặc gõ trực tiếp con số", "PS186")]


def test_a_formula_with_its_saved_result_is_read_as_that_result(tmp_path):
    """What Excel saves: the formula and its result; the result is the value."""
    path, _ = _formula(tmp_path, "=10+5", "15")
    assert import_xlsx(path, M)[0].values["par_inspection_units_inspected"] == 15


def test_text_longer_than_a_cell_holds_is_cut_visibly(tmp_path):
    """openpyxl cuts a text over 32,767 characters without a word; the cut is shown, with how many
    characters went, and the text still fits its cell."""
    from openpyxl import Workbook, load_workbook

    from parscore.excel.safety import MAX_CELL_TEXT, put_text

    wb = Workbook()
    put_text(wb.active, 1, 1, "giải trình " * 4000)   # 44,000 characters
    put_text(wb.active, 2, 1, "x" * MAX_CELL_TEXT)
    wb.save(tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx").active
    long, full = ws["A1"].value, ws["A2"].value
    assert len(long) <= MAX_CELL_TEXT and long.endswith(f" … [+{44000 - (MAX_CELL_TEXT - 24)}]")
    assert long.startswith("giải trình giải trình") and full == "x" * MAX_CELL_TEXT
