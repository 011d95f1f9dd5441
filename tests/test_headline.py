"""The honest headline: missing data comes first on every scorecard output, names the
sheet and cell to fill for a workbook, and appears in the plan with its points at stake."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from conftest import ROOT, run_cli
from parscore import load_facts, load_methodology, score
from parscore.excel import import_xlsx, write_template
from parscore.explanation import fmt_number
from test_reports import fill

M = load_methodology("par-province-892")
FACTS = ROOT / "fixtures/ca-mau-2025/weaknesses.yaml"
BLANK = ["par_inspection_units_inspected", "tthc_feedback_channels_complete", "egov_work_files_total"]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    """A filled template with three cells left blank, and where each blank cell is."""
    path = tmp_path_factory.mktemp("headline") / "facts.xlsx"
    write_template(M, path)
    fill(path, load_facts(FACTS, M).with_values({n: None for n in BLANK}))
    wb = load_workbook(path)
    cells = {ws.cell(row=r, column=1).value: f"{ws.title}!D{r}" for ws in wb.worksheets for r in range(2, ws.max_row + 1)}
    return path, {n: cells[n] for n in BLANK}


def test_the_card_knows_which_cells_to_fill(workbook):
    path, cells = workbook
    facts, _ = import_xlsx(path, M)
    card = score(M, facts)
    unscored = [it for it in card.items if it.status == "missing_facts"]
    miss = card.summary.missing
    assert unscored and miss.items == len(unscored)
    assert miss.points == sum((it.max for it in unscored), Decimal(0))
    assert {f.fact: f.location for f in miss.facts} == cells
    for f in miss.facts:
        assert set(f.items) == set(M.users_of(f.fact)) & {it.code for it in unscored}
    # the item's own reason names the cell too
    it = card.item(miss.facts[0].items[0])
    assert f"điền tại {miss.facts[0].location}" in it.deductions[0].reason


def test_every_text_output_starts_with_what_is_missing(workbook):
    path, cells = workbook
    card = json.loads(run_cli("score", str(path), "-f", "json").stdout)
    miss = card["summary"]["missing"]
    points = fmt_number(Decimal(str(miss["points"])), "vi")
    for fmt in ("table", "markdown"):
        r = run_cli("score", str(path), "-f", fmt)
        assert r.returncode == 0, r.stderr
        lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
        assert lines[1].lstrip("*").startswith(f"THIẾU SỐ LIỆU: {miss['items']} tiêu chí thành phần ({points} điểm) chưa chấm được"), lines[1]
        head = "\n".join(lines[2:2 + len(miss["facts"])])
        for cell in cells.values():
            assert f"→ điền tại {cell}" in head
        assert f"(chưa chấm {points} điểm do thiếu số liệu)" in r.stdout
    en = run_cli("score", str(path), "--lang", "en").stdout.splitlines()
    assert en[2].startswith(f"MISSING DATA: {miss['items']} sub-criteria ({miss['points']:g} points) could not be scored")


def test_a_complete_file_says_so():
    r = run_cli("score", str(FACTS))
    assert r.stdout.splitlines()[2] == "Đủ số liệu: mọi tiêu chí thành phần đều đã được chấm."
    assert json.loads(run_cli("score", str(FACTS), "-f", "json").stdout)["summary"]["missing"] == {"items": 0, "points": 0.0, "facts": []}


def test_supplying_data_is_an_improvement_with_its_points(workbook):
    path, cells = workbook
    card = score(M, import_xlsx(path, M)[0])
    r = run_cli("plan", str(path), "-f", "json")
    assert r.returncode == 0, r.stderr
    missing = json.loads(r.stdout)["missing"]
    assert {x["item"]: x["at_stake"] for x in missing} == {it.code: float(it.max) for it in card.items if it.status == "missing_facts"}
    assert {n: c for x in missing for n, c in x["locations"].items()} == cells
    table = run_cli("plan", str(path)).stdout
    first = next(ln for ln in table.splitlines() if "Bổ sung số liệu" in ln)
    code = missing[0]["item"]
    assert code in first and f"tới +{fmt_number(Decimal(str(missing[0]['at_stake'])), 'vi')}" in first
    # data rows come before the ranked improvements
    assert table.index("Bổ sung số liệu") < table.index("từ ")


from hypothesis import HealthCheck, given, settings, strategies as st

BASE = load_facts(FACTS, M)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sets(st.sampled_from(sorted(BASE.values)), max_size=12))
def test_law_the_headline_counts_exactly_the_unscored_items_and_supplying_its_facts_scores_them(blank):
    """Whatever facts are left out: the headline's items and points are exactly the items
    scored 0 for want of data and their maxima; every listed fact is absent and used by
    the items listed with it; and supplying exactly the listed facts leaves none unscored."""
    facts = BASE.with_values({n: None for n in blank})
    card = score(M, facts)
    miss = card.summary.missing
    unscored = [it for it in card.items if it.status == "missing_facts"]
    assert miss.items == len(unscored) and miss.points == sum((it.max for it in unscored), Decimal(0))
    listed = {f.fact for f in miss.facts}
    assert listed <= set(blank)
    assert {c for f in miss.facts for c in f.items} == {it.code for it in unscored}
    for f in miss.facts:
        assert set(f.items) <= set(M.users_of(f.fact))
    refilled = score(M, facts.with_values({n: BASE.values[n] for n in listed}))
    assert refilled.summary.missing.items == 0
    assert refilled.total == score(M, BASE.with_values({n: None for n in set(blank) - listed})).total


def test_the_signed_report_names_the_cells_to_fill(workbook, tmp_path):
    """From Excel to the .docx: the items left blank are listed with the cell to fill."""
    import docx

    path, cells = workbook
    out = tmp_path / "r.docx"
    r = run_cli("score", str(path), "-f", "docx", "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = "\n".join(c.text for t in docx.Document(str(out)).tables for row in t.rows for c in row.cells)
    for cell in cells.values():
        assert f"(điền tại {cell})" in text
    html = tmp_path / "r.html"
    assert run_cli("score", str(path), "-f", "html", "-o", str(html)).returncode == 0
    for cell in cells.values():
        assert f"<td>{cell}</td>" in html.read_text(encoding="utf-8")
