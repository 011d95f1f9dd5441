"""The self-assessment round trip in Excel: template (with self-assessed points, giải
trình and lead unit per sub-criterion) → fill → import; one workbook per lead unit and
their merge; the scorecard workbook edited and re-imported."""
from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from conftest import ROOT, facts_text, run_cli
from parscore import InputError, load_facts, load_methodology, score
from parscore.excel import import_many, import_xlsx, sheet_name, write_template
from parscore.units import load_lead_units

M = load_methodology("par-province-892")
FACTS = ROOT / "fixtures/ca-mau-2025/weaknesses.yaml"
UNITS = ROOT / "fixtures/ca-mau-2025/lead-units.yaml"


def fill(path, facts, agency=True):
    from openpyxl import load_workbook

    wb = load_workbook(path)
    if agency:
        info = wb["Hướng dẫn"]
        info["B8"], info["B9"], info["B10"] = "ca-mau", "UBND tỉnh Cà Mau", 2025
    cells = {}
    for f in M.fields:
        ws = wb[sheet_name(f.code, "vi")]
        for row in ws.iter_rows(min_row=2):
            name = row[0].value
            cells[name] = (ws.title, row[3].coordinate)
            v = facts.values.get(name)
            if v is not None:
                row[3].value = ("có" if v else "không") if isinstance(v, bool) else float(v) if isinstance(v, Decimal) else v
    wb.save(path)
    return cells


def item_rows(wb):
    ws = wb["Tự đánh giá"]
    return ws, {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}


def test_template_carries_points_explanation_and_lead_unit_and_import_reads_them(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    r = run_cli("template", "-o", str(path), "--units", str(UNITS))
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == f"parscore: đã ghi {path} ({path.stat().st_size} byte)"
    facts = load_facts(FACTS, M)
    fill(path, facts)
    wb = load_workbook(path)
    ws, rows = item_rows(wb)
    assert [c.value for c in ws[1]] == ["Mã tiêu chí", "Tiêu chí thành phần", "Điểm tối đa", "Điểm tự đánh giá",
                                        "Giải trình (tiêu chí chưa đủ tài liệu kiểm chứng)", "Đơn vị chủ trì", "Số liệu dùng"]
    assert list(rows) == list(M.leaves)
    assert ws.cell(row=rows["1.6.1"], column=6).value == "Văn phòng UBND tỉnh"   # 1.6 overrides field 1's Sở Nội vụ
    assert ws.cell(row=rows["1.3.1"], column=6).value == "Sở Nội vụ"
    assert "par_inspection_units_inspected" in ws.cell(row=rows["1.3.1"], column=7).value
    ws.cell(row=rows["1.3.1"], column=4, value=0.5)
    ws.cell(row=rows["1.3.1"], column=5, value="Đã kiểm tra 22/83 cơ quan; còn 3 huyện chuyển sang quý I/2026")
    ws.cell(row=rows["1.3.1"], column=6, value="Thanh tra tỉnh")            # edited: a unit the plan does not name
    ws.cell(row=rows["1.6.1"], column=6, value="Sở Tư pháp")                # edited: a declared unit
    wb.save(path)
    out = tmp_path / "facts.yaml"
    r = run_cli("import", str(path), "-o", str(out))
    assert r.returncode == 0, r.stderr
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert doc["claimed"] == {"1.3.1": 0.5}
    assert doc["explanations"] == {"1.3.1": "Đã kiểm tra 22/83 cơ quan; còn 3 huyện chuyển sang quý I/2026"}
    assert doc["leads"]["1.3.1"] == "Thanh tra tỉnh" and doc["leads"]["1.6.1"] == "Sở Tư pháp"
    assert doc["leads"]["1.1.1"] == "Sở Nội vụ"
    # the facts file scores, keeps the self-assessed points, and counts points by the edited lead units
    loaded = load_facts(out, M)
    assert loaded.claimed == {"1.3.1": Decimal("0.5")} and loaded.leads["1.3.1"] == "Thanh tra tỉnh"
    r = run_cli("score", str(out), "--units", str(UNITS), "-f", "json")
    assert r.returncode == 0, r.stderr
    import json

    by_unit = {u["unit"]: u for u in json.loads(r.stdout)["by_unit"]}
    card = score(M, loaded)
    assert by_unit["Thanh tra tỉnh"]["items"] == 1
    assert Decimal(str(by_unit["Thanh tra tỉnh"]["max"])) == card.item("1.3.1").max
    assert card.item("1.3.1").claimed == Decimal("0.5")


def test_bad_self_assessed_points_are_located(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    write_template(M, path)
    fill(path, load_facts(FACTS, M))
    wb = load_workbook(path)
    ws, rows = item_rows(wb)
    ws.cell(row=rows["1.3.1"], column=4, value="1,0")
    ws.cell(row=rows["1.1.1"], column=4, value=99)
    wb.save(path)
    with pytest.raises(InputError) as exc:
        import_xlsx(path, M)
    got = [(p.field, p.message, p.code) for p in exc.value.problems]
    mx = M.leaves["1.1.1"].max.normalize()
    assert got == [
        (f"Tự đánh giá!D{rows['1.1.1']}", f"điểm tự đánh giá của 1.1.1: cần một số từ 0 đến {mx} (điểm tối đa), ô đang có 99", "PS268"),
        (f"Tự đánh giá!D{rows['1.3.1']}", "điểm tự đánh giá của 1.3.1: cần một số từ 0 đến 0.5 (điểm tối đa), ô đang có '1,0'", "PS268"),
    ]


def test_split_by_unit_writes_one_workbook_per_lead_unit_and_never_overwrites(tmp_path):
    from openpyxl import load_workbook

    units = load_lead_units(UNITS, M)
    out = tmp_path / "units"
    r = run_cli("template", "--split-by-unit", str(out), "--units", str(UNITS))
    assert r.returncode == 0, r.stderr
    leads = {units.for_item(c).lead for c in M.leaves}
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(f"{k}.xlsx" for k in leads)
    assert r.stderr.count("parscore: đã ghi ") == len(files)
    wb = load_workbook(out / "stp.xlsx")
    ws, rows = item_rows(wb)
    assert set(rows) == {c for c in M.leaves if units.for_item(c).lead == "stp"}
    facts_in = {row[0].value for f in M.fields for row in wb[sheet_name(f.code, "vi")].iter_rows(min_row=2)}
    assert facts_in == {n for n in M.facts if any(units.for_item(u).lead == "stp" for u in M.users_of(n))}
    assert "Đơn vị chủ trì của sổ này: Sở Tư pháp" in [c.value for c in wb["Hướng dẫn"]["A"]]
    before = (out / "stp.xlsx").read_bytes()
    r = run_cli("template", "--split-by-unit", str(out), "--units", str(UNITS))
    assert r.returncode == 2
    assert f"parscore: {out / 'stp.xlsx'}: tệp đã có, không ghi đè; xoá hoặc đổi tên tệp cũ, hoặc chọn thư mục khác [PS266]" in r.stderr
    assert (out / "stp.xlsx").read_bytes() == before
    r = run_cli("template", "--split-by-unit", str(tmp_path / "x"))
    assert r.returncode == 2 and "--split-by-unit cần tệp phân công đơn vị chủ trì (--units FILE) [PS265]" in r.stderr


def test_template_without_o_never_replaces_an_existing_file(tmp_path):
    (tmp_path / "facts.xlsx").write_bytes(b"mine")
    r = run_cli("template", cwd=tmp_path)
    assert r.returncode == 2 and "[PS232]" in r.stderr   # the one output check (files.py)
    assert (tmp_path / "facts.xlsx").read_bytes() == b"mine"


def test_split_workbooks_merge_back_and_disagreements_name_both_cells(tmp_path):
    out = tmp_path / "units"
    assert run_cli("template", "--split-by-unit", str(out), "--units", str(UNITS)).returncode == 0
    facts = load_facts(FACTS, M)
    paths = sorted(out.glob("*.xlsx"))
    cells = {}
    for i, p in enumerate(paths):
        cells[p] = fill(p, facts, agency=(i == 0))   # only one unit fills in the agency and year
    merged, doc = import_many(paths, M)
    assert merged.values == facts.values
    assert (score(M, merged).total, score(M, merged).index) == (score(M, facts).total, score(M, facts).index)
    r = run_cli("import", *map(str, paths), "-o", str(tmp_path / "facts.yaml"))
    assert r.returncode == 0, r.stderr
    # no fact is read by items of two lead units in the Cà Mau assignment; two people filling copies of one
    # unit's workbook (or a unit's workbook beside the full template) overlap the same way
    import shutil
    from openpyxl import load_workbook

    a = out / "stp.xlsx"
    b = tmp_path / "stp-ban-sao.xlsx"
    shutil.copy(a, b)
    shared = next(n for n in cells[a] if n in facts.values and M.facts[n].type == "count")
    wb = load_workbook(b)
    title, ref = cells[a][shared]
    wb[title][ref] = facts.values[shared] + 1
    wb.save(b)
    assert import_many([paths[0], a, a], M)[0].values == import_many([paths[0], a], M)[0].values   # equal values agree
    with pytest.raises(InputError) as exc:
        import_many([*paths, b], M)
    assert [(p.file, p.field, p.message, p.code) for p in exc.value.problems] == [
        (str(b), f"{title}!{ref}", f"số liệu {shared!r} có hai giá trị khác nhau: {facts.values[shared]} ở {a} {title}!{ref} và "
         f"{facts.values[shared] + 1} ở {b} {title}!{ref}; thống nhất một giá trị", "PS264")]


def test_the_scorecard_workbook_is_edited_and_reimported(tmp_path):
    from openpyxl import load_workbook

    card_path = tmp_path / "card.xlsx"
    r = run_cli("score", str(FACTS), "-f", "xlsx", "-o", str(card_path), "--units", str(UNITS))
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == f"parscore: đã ghi {card_path} ({card_path.stat().st_size} byte)"
    original = load_facts(FACTS, M)
    wb = load_workbook(card_path)
    ws = wb["Bảng điểm"]
    row = {ws.cell(row=r, column=1).value: r for r in range(3, ws.max_row + 1)}
    assert ws.cell(row=2, column=4).value == "Điểm tự đánh giá" and ws.cell(row=2, column=9).value == "Giải trình"
    ws.cell(row=row["1.3.1"], column=4, value=0.25)                      # self-assessed points edited
    ws.cell(row=row["1.3.1"], column=9, value="Kế hoạch kiểm tra bổ sung đã ban hành")
    fws = wb["Lĩnh vực 1"]
    frow = next(r for r in fws.iter_rows(min_row=2) if r[0].value == "par_inspection_units_inspected")
    frow[3].value = 30                                                    # a fact edited
    wb.save(card_path)
    out = tmp_path / "again.yaml"
    r = run_cli("import", str(card_path), "-o", str(out))
    assert r.returncode == 0, r.stderr
    again = load_facts(out, M)
    assert again.values == original.with_values({"par_inspection_units_inspected": 30}).values
    assert again.claimed == {**original.claimed, "1.3.1": Decimal("0.25")}
    assert again.explanations["1.3.1"] == "Kế hoạch kiểm tra bổ sung đã ban hành"
    assert (again.agency, again.year) == (original.agency, original.year)
    assert score(M, again).item("1.3.1").points > score(M, original).item("1.3.1").points
    # scoring the workbook itself gives the same card as its import
    r1 = run_cli("score", str(card_path), "-f", "json")
    r2 = run_cli("score", str(out), "-f", "json")
    assert r1.returncode == r2.returncode == 0
    import json

    j1, j2 = json.loads(r1.stdout), json.loads(r2.stdout)
    assert (j1["total"], j1["index"]) == (j2["total"], j2["index"])


def test_a_template_from_before_the_self_assessment_sheet_still_imports(tmp_path):
    """Older templates had the (unread) lead unit in column I: it must not become a note."""
    from openpyxl import load_workbook

    path = tmp_path / "old.xlsx"
    write_template(M, path)
    wb = load_workbook(path)
    meta = wb["_parscore"]
    for r in range(meta.max_row, 0, -1):
        if meta.cell(row=r, column=1).value not in ("methodology", "version", "digest", "lang"):
            meta.delete_rows(r)
    del wb["Tự đánh giá"]
    for f in M.fields:
        ws = wb[sheet_name(f.code, "vi")]
        ws["I1"], ws["J1"], ws["K1"] = "Đơn vị chủ trì", "Dùng cho tiêu chí", None
        for r in range(2, ws.max_row + 1):
            ws.cell(row=r, column=9, value="Sở Nội vụ")
            ws.cell(row=r, column=11, value=None)
    wb.save(path)
    facts = load_facts(FACTS, M)
    fill(path, facts)
    imported, doc = import_xlsx(path, M)
    assert imported.values == facts.values and imported.notes == {} and "leads" not in doc


def test_imported_facts_know_the_cell_of_every_fact_and_a_year_typed_as_text_is_read(tmp_path):
    """So that a report can say which cell to fill for a missing fact."""
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    write_template(M, path)
    facts = load_facts(FACTS, M).with_values({"par_inspection_units_inspected": None})
    cells = fill(path, facts)
    wb = load_workbook(path)
    wb["Hướng dẫn"]["B10"] = "2025"
    wb.save(path)
    imported, _ = import_xlsx(path, M)
    assert imported.year == 2025
    title, ref = cells["par_inspection_units_inspected"]
    assert imported.locations["par_inspection_units_inspected"] == f"{title}!{ref}"
    assert set(imported.locations) == set(M.facts)


def test_a_tampered_parscore_sheet_is_not_a_traceback(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    write_template(M, path)
    fill(path, load_facts(FACTS, M))
    wb = load_workbook(path)
    meta = wb["_parscore"]
    for r in range(1, meta.max_row + 1):
        if str(meta.cell(row=r, column=1).value).startswith(("col_", "items_header_row")):
            meta.cell(row=r, column=2, value="abc")
        if meta.cell(row=r, column=1).value == "kind":
            meta.cell(row=r, column=2, value=10**30)
    wb.save(path)
    r = run_cli("import", str(path))
    assert r.returncode == 0, r.stderr


def test_leads_in_a_facts_file_are_checked(tmp_path):
    text = yaml.safe_load(facts_text(FACTS))
    text.pop("lead_units", None)
    text["leads"] = {"1.3.1": "Thanh tra tỉnh", "9.9.9": "Sở Nội vụ", "1.1.1": 5}
    path = tmp_path / "f.yaml"
    path.write_text(yaml.safe_dump(text, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_facts(path, M)
    assert [(p.field, p.message, p.code) for p in exc.value.problems] == [
        ("leads.9.9.9", "unknown code '9.9.9'", "PS270"),
        ("leads.1.1.1", "expected the lead unit's name as text", "PS270"),
    ]


def test_several_evidence_documents_survive_the_scorecard_workbook(tmp_path):
    text = yaml.safe_load(facts_text(FACTS))
    text.pop("lead_units", None)
    docs = [{"number": "45/BC-SNV", "date": "2025-11-20", "issuer": "Sở Nội vụ", "title": "Báo cáo kiểm tra"},
            {"number": "46/KL-SNV", "issuer": "Sở Nội vụ"},
            {"number": "=47/TB", "date": "2025-12-01"}]
    text["facts"]["par_inspection_units_inspected"] = {"value": 22, "evidence": docs}
    src = tmp_path / "f.yaml"
    src.write_text(yaml.safe_dump(text, allow_unicode=True, sort_keys=False), encoding="utf-8")
    card = tmp_path / "card.xlsx"
    assert run_cli("score", str(src), "-f", "xlsx", "-o", str(card)).returncode == 0
    r = run_cli("import", str(card))
    assert r.returncode == 0, r.stderr
    back = yaml.safe_load(r.stdout)["facts"]["par_inspection_units_inspected"]["evidence"]
    import datetime as dt

    assert back == [{"number": "45/BC-SNV", "date": dt.date(2025, 11, 20), "issuer": "Sở Nội vụ", "title": "Báo cáo kiểm tra"},
                    {"number": "46/KL-SNV", "issuer": "Sở Nội vụ"},
                    {"number": "=47/TB", "date": dt.date(2025, 12, 1)}]


def test_import_never_writes_over_its_own_workbook(tmp_path):
    path = tmp_path / "t.xlsx"
    write_template(M, path)
    fill(path, load_facts(FACTS, M))
    before = path.read_bytes()
    r = run_cli("import", str(path), "-o", str(path))
    assert r.returncode == 2 and "[PS236]" in r.stderr   # import writes YAML, never a workbook (files.py)
    assert path.read_bytes() == before
