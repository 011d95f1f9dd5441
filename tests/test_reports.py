"""Excel template, import round trip, the scorecard workbook with live formulas, the HTML
report and its rendering in headless Chromium."""
from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal

import pytest
import yaml

from conftest import ROOT, run_cli
from parscore import InputError, load_facts, load_methodology, score
from parscore.excel import import_xlsx, sheet_name, write_scorecard, write_template
from parscore.svg import bar_chart

M = load_methodology("par-province-892")
FACTS = ROOT / "fixtures/ca-mau-2025/weaknesses.yaml"


def fill(template, facts, agency=("ca-mau", "UBND tỉnh Cà Mau"), year=2025):
    """Fill a generated template as a clerk would, from a facts object."""
    from openpyxl import load_workbook

    wb = load_workbook(template)
    info = wb["Hướng dẫn"]
    info["B8"], info["B9"], info["B10"] = agency[0], agency[1], year
    for f in M.fields:
        ws = wb[sheet_name(f.code, "vi")]
        for row in ws.iter_rows(min_row=2):
            name = row[0].value
            if name in facts.values:
                v = facts.values[name]
                row[3].value = ("có" if v else "không") if isinstance(v, bool) else float(v) if isinstance(v, Decimal) else v
                if facts.evidence.get(name):
                    ev = facts.evidence[name][0]
                    row[5].value, row[6].value, row[7].value = ev.number, ev.date, ev.issuer
    wb.save(template)


def test_template_is_generated_from_the_catalogue(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    write_template(M, path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Hướng dẫn"] + [sheet_name(f.code, "vi") for f in M.fields] + ["_parscore"]
    rows = {ws.cell(row=r, column=1).value: (ws.title, r) for ws in wb.worksheets[1:9] for r in range(2, ws.max_row + 1)}
    assert set(rows) == set(M.facts)
    ws = wb["Lĩnh vực 1"]
    r = rows["par_inspection_units_inspected"][1]
    assert ws.cell(row=r, column=2).value == M.facts["par_inspection_units_inspected"].description.vi
    checks = {str(ref): dv for dv in ws.data_validations.dataValidation for ref in dv.sqref.ranges}
    assert checks[f"D{r}"].type == "whole" and checks[f"D{r}"].formula1 == "0"
    ws3 = wb["Lĩnh vực 3"]
    rb = next(i for i in range(2, ws3.max_row + 1) if ws3.cell(row=i, column=1).value == "tthc_feedback_channels_complete")
    yesno = [dv for dv in ws3.data_validations.dataValidation if any(str(x) == f"D{rb}" for x in dv.sqref.ranges)]
    assert yesno[0].type == "list" and yesno[0].formula1 == '"có,không"'
    pct_row = next(i for i in range(2, ws3.max_row + 1) if ws3.cell(row=i, column=1).value == "tthc_survey_disclosure_pct")
    pct = [dv for dv in ws3.data_validations.dataValidation if any(str(x) == f"D{pct_row}" for x in dv.sqref.ranges)][0]
    assert (pct.type, pct.formula1, pct.formula2) == ("decimal", "0", "100")


def test_filled_template_round_trips_and_scores_like_the_yaml(tmp_path):
    facts = load_facts(FACTS, M)
    path = tmp_path / "filled.xlsx"
    write_template(M, path)
    fill(path, facts)
    imported, doc = import_xlsx(path, M)
    assert imported.values == facts.values
    a, b = score(M, facts), score(M, imported)
    assert (a.total, a.index, [i.points for i in a.items]) == (b.total, b.index, [i.points for i in b.items])
    out = tmp_path / "facts.yaml"
    r = run_cli("import", str(path), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["facts"]["par_inspection_units_inspected"] == 22
    r2 = run_cli("score", str(path), "-f", "json")
    assert r2.returncode == 0 and '"index": 88.28' in r2.stdout


def test_empty_cells_are_missing_not_zero(tmp_path):
    facts = load_facts(FACTS, M)
    path = tmp_path / "partial.xlsx"
    write_template(M, path)
    fill(path, facts.with_values({"par_inspection_units_inspected": None}))
    imported, _ = import_xlsx(path, M)
    assert "par_inspection_units_inspected" not in imported.values
    assert score(M, imported).item("1.3.1").status == "missing_facts"


def _broken(tmp_path, change):
    from openpyxl import load_workbook

    path = tmp_path / "b.xlsx"
    write_template(M, path)
    fill(path, load_facts(FACTS, M))
    wb = load_workbook(path)
    change(wb)
    wb.save(path)
    with pytest.raises(InputError) as exc:
        import_xlsx(path, M)
    return [f"{p.field}: {p.message}" for p in exc.value.problems]


def test_bad_workbooks_get_cell_addressed_errors(tmp_path):
    def wrong_type(wb):
        ws = wb["Lĩnh vực 1"]
        row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "par_inspection_units_inspected")
        row[3].value = "hai mươi"
        wrong_type.row = row[0].row
    got = _broken(tmp_path, wrong_type)
    assert got == [f"Lĩnh vực 1!D{wrong_type.row}: par_inspection_units_inspected: expected a number, got text 'hai mươi'"]

    assert _broken(tmp_path, lambda wb: wb.remove(wb["Lĩnh vực 4"])) == [
        "Lĩnh vực 4: sheet 'Lĩnh vực 4' is missing; regenerate the template"]

    def rename_header(wb):
        wb["Lĩnh vực 2"]["D1"] = "Số liệu năm"
    assert _broken(tmp_path, rename_header) == [
        "Lĩnh vực 2!D1: header is 'Số liệu năm', expected 'Giá trị'; do not edit the header row"]


def test_unrelated_and_fake_xlsx(tmp_path):
    from openpyxl import Workbook

    other = tmp_path / "budget.xlsx"
    wb = Workbook()
    wb.active["A1"] = "Dự toán"
    wb.save(other)
    r = run_cli("score", str(other), "--lang", "en")
    assert r.returncode == 2
    assert r.stderr.strip() == (f"parscore: {other}: is not a parscore facts template (no _parscore sheet); "
                                "generate one with `parscore template` [PS181]")
    fake = tmp_path / "fake.xlsx"
    fake.write_text("agency: x\n", encoding="utf-8")
    r = run_cli("score", str(fake), "--lang", "en")
    assert r.returncode == 2
    assert r.stderr.strip() == (f"parscore: {fake}: is not an Excel workbook (.xlsx); save it as an Excel workbook "
                                "or give a YAML file [PS180]")


def test_scorecard_workbook_formulas_equal_the_computed_totals(tmp_path):
    from openpyxl import load_workbook
    from pycel import ExcelCompiler

    card = score(M, load_facts(FACTS, M))
    path = tmp_path / "card.xlsx"
    r = run_cli("score", str(FACTS), "-f", "xlsx", "-o", str(path))
    assert r.returncode == 0, r.stderr
    ws = load_workbook(path).active
    total_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=2).value == "TỔNG CỘNG")
    assert str(ws[f"E{total_row}"].value).startswith("=")
    xl = ExcelCompiler(filename=str(path))
    sheet = ws.title
    assert Decimal(str(round(xl.evaluate(f"{sheet}!E{total_row}"), 2))) == card.total
    assert Decimal(str(round(xl.evaluate(f"{sheet}!C{total_row}"), 2))) == card.applicable_max
    assert Decimal(str(xl.evaluate(f"{sheet}!E{total_row + 1}"))) == card.index
    field_rows = [r for r in range(3, total_row) if ws.cell(row=r, column=1).value in {f.code for f in M.fields}]
    for r, f in zip(field_rows, card.fields):
        assert Decimal(str(round(xl.evaluate(f"{sheet}!E{r}"), 2))) == f.points
    claimed = Decimal(str(round(xl.evaluate(f"{sheet}!D{total_row}"), 2)))
    assert claimed == card.claimed_total


def test_svg_bar_chart():
    svg = bar_chart([("A", Decimal(9), Decimal(10), "9/10"), ("B", Decimal(5), Decimal(10), "5/10")], width=400,
                    label_width=100, value_width=100)
    assert svg.count('class="bar"') == 2
    assert 'width="180.0" height="22" fill="#2e7d32"' in svg   # 90% of a 200 px plot, green
    assert 'width="100.0" height="22" fill="#c62828"' in svg   # 50%, red
    assert "<script" not in svg


def test_html_report_is_self_contained(tmp_path):
    out = tmp_path / "r.html"
    r = run_cli("score", str(FACTS), "-f", "html", "-o", str(out), "--peers", "fixtures/peers-2024.yaml")
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    for text in ("88,28%", "33/63", "LƯU Ý NGUỒN SỐ LIỆU", "Điểm bị trừ theo đơn vị chủ trì", "Các cải thiện mang lại nhiều điểm nhất",
                 "Bảng các khoản bị trừ điểm", "@page { size: A4"):
        assert text in html
    en = tmp_path / "en.html"
    run_cli("score", str(FACTS), "-f", "html", "-o", str(en), "--lang", "en")
    assert "PAR INDEX report (projected)" in en.read_text(encoding="utf-8")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_html_report_renders_in_headless_chromium(tmp_path):
    out = tmp_path / "r.html"
    run_cli("score", str(FACTS), "-f", "html", "-o", str(out), "--peers", "fixtures/peers-2024.yaml")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars"]
    png, pdf = tmp_path / "r.png", tmp_path / "r.pdf"
    subprocess.run([CHROMIUM, *flags, "--window-size=1000,1400", f"--screenshot={png}", out.as_uri()], timeout=120,
                   capture_output=True)
    subprocess.run([CHROMIUM, *flags, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", out.as_uri()], timeout=120,
                   capture_output=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    # the chart is visible: the first field's bar (amber, 84% of its maximum) is painted in the screenshot
    import struct
    import zlib
    data = png.read_bytes()
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1000, 1400)
    chunks, pos = [], 8
    while pos < len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        if data[pos + 4:pos + 8] == b"IDAT":
            chunks.append(data[pos + 8:pos + 8 + n])
        pos += 12 + n
    raw = zlib.decompress(b"".join(chunks))
    assert b"\xf9\xa8\x25" in _unfilter_rgb(raw, width, height)


def _unfilter_rgb(raw: bytes, width: int, height: int) -> bytes:
    """PNG scanlines without filters (enough to look for a colour)."""
    bpp = 4 if len(raw) >= height * (1 + width * 4) else 3
    stride = width * bpp
    out = bytearray()
    prev = bytearray(stride)
    pos = 0
    for _ in range(height):
        ftype = raw[pos]
        line = bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        out += bytes(px for j in range(0, stride, bpp) for px in line[j:j + 3])
        prev = line
    return bytes(out)


def test_appraised_workbook_has_self_computed_and_appraised_columns(tmp_path):
    from openpyxl import load_workbook
    from pycel import ExcelCompiler

    path = tmp_path / "appraised.xlsx"
    r = run_cli("appraise", str(FACTS), "fixtures/ca-mau-2025/appraisal-2025.yaml", "-f", "xlsx", "-o", str(path))
    assert r.returncode == 0, r.stderr
    ws = load_workbook(path).active
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=1).value == "8.5.1")
    assert (ws.cell(row=row, column=4).value, ws.cell(row=row, column=5).value, ws.cell(row=row, column=6).value) == (2.5, 1.5, 2.0)
    total_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=2).value == "TỔNG CỘNG")
    xl = ExcelCompiler(filename=str(path))
    assert round(xl.evaluate(f"{ws.title}!F{total_row}"), 2) == 88.78   # appraised total
    assert round(xl.evaluate(f"{ws.title}!E{total_row}"), 2) == 88.28   # computed total
