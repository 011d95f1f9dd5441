"""Fuzzing the files the unit commands read: a unit methodology, a unit's facts file in
a ranked folder, a roster, a one-sheet-per-unit workbook. Whatever the bytes, parscore
exits 0 or 2 with located messages (the rules of tests/test_fuzz.py)."""
from __future__ import annotations

from hypothesis import example, given, settings, strategies as st

from conftest import ROOT
from test_fuzz import FUZZ, edit, mutated, run, write

DEPT = ROOT / "criteria" / "par-department-ca-mau.yaml"
METHOD_TEXT = DEPT.read_text(encoding="utf-8").replace(
    "rules: ../rules/par-department-ca-mau", f"rules: {ROOT / 'rules' / 'par-department-ca-mau'}").replace(
    "facts_from: [../rules/par-province-892]", f"facts_from: [{ROOT / 'rules' / 'par-province-892'}]")
UNIT_TEXT = (ROOT / "fixtures" / "ca-mau-2025" / "units" / "van-phong-ubnd-tinh.yaml").read_text(encoding="utf-8")
ROSTER_TEXT = ('roster: "Danh sách"\nyear: 2025\nlevel: department\nunits:\n  - {code: so-noi-vu, name: "Sở Nội vụ"}\n'
               '  - {code: so-tu-phap, name: "Sở Tư pháp"}\n')


def test_the_bases_are_valid(tmp_path):
    assert run("validate", str(write(tmp_path, METHOD_TEXT.encode()))) == 0
    assert run("rank", str(write(tmp_path, UNIT_TEXT.encode()).parent), "-m", "par-department-ca-mau") == 0
    assert run("template", "-m", "par-department-ca-mau", "--units", str(write(tmp_path, ROSTER_TEXT.encode())),
               "-o", str(tmp_path / "out")) == 0


@settings(FUZZ, max_examples=40)
@example(data=edit(METHOD_TEXT, "feeds_into: par-province-892", "feeds_into: " + "a" * 300))
@example(data=edit(METHOD_TEXT, "feeds_into: par-province-892", "feeds_into: ."))
@given(data=mutated(METHOD_TEXT))
def test_mutated_unit_methodology(tmp_path, data):
    path = write(tmp_path, data, "m.yaml")
    run("validate", str(path))
    run("rank", str(ROOT / "fixtures" / "ca-mau-2025" / "units"), "-m", str(path))


@settings(FUZZ, max_examples=40)
@given(data=mutated(UNIT_TEXT))
def test_mutated_unit_facts_in_a_ranked_folder(tmp_path, data):
    path = write(tmp_path, data, "unit.yaml")
    run("rank", str(path.parent), "-m", "par-department-ca-mau", "-f", "json")
    run("score", str(path), "-m", "par-department-ca-mau")


@settings(FUZZ, max_examples=30)
@given(data=mutated(ROSTER_TEXT))
def test_mutated_roster(tmp_path, data):
    path = write(tmp_path, data, "roster.yaml")
    run("template", "-m", "par-department-ca-mau", "--units", str(path), "-o", str(path.parent / "out"))
    run("template", "-m", "par-department-ca-mau", "--units", str(path), "-o", str(path.parent / "one.xlsx"))


@settings(FUZZ, max_examples=20)
@given(blob=st.binary(max_size=2000))
def test_random_bytes_as_a_units_workbook(tmp_path, blob):
    run("rank", str(write(tmp_path, blob, "units.xlsx")), "-m", "par-department-ca-mau")
