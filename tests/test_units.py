"""Provinces' internal indices: every convention a unit methodology declares, the
ranking of many units, unit rosters and workbooks, and units feeding the province."""
from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from conftest import ROOT, run_cli
from parscore import InputError, load_methodology, score
from parscore.loading import Facts, load_facts
from parscore.models import Agency
from parscore.ranking import load_units, rank_cards, rank_units
from parscore.scorecard import group_of, index_of

UNITS = ROOT / "fixtures" / "ca-mau-2025" / "units"
DEPT = "par-department-ca-mau"
COMMUNE = "par-commune-ca-mau"
ALL_BUT_FIELD_1 = {c: "không được giao (kiểm thử)" for c in ("2", "3", "4", "5", "6", "7")}
# Field 1 of the department table, hand-scored: plan on time 1/1, completion 100% 3/3, one late report 1.5/2,
# 20% of subordinate units inspected 1/2 (tier 20 → half), communication 100% 2/2, provincial tasks 10/10 2/2.
FIELD_1 = {"par_annual_plan_days_late": 0, "par_annual_plan_tasks_total": 40, "par_annual_plan_tasks_completed_on_time": 40,
           "par_reports_late_or_missing": 1, "par_inspection_units_in_scope": 10, "par_inspection_units_inspected": 2,
           "par_communication_plan_tasks_total": 5, "par_communication_plan_tasks_done": 5,
           "province_assigned_tasks_due": 10, "province_assigned_tasks_completed_on_time": 10}
# The same field, weaker: 0 + 0 + 2 + 0 + 2 + 2 = 6 of 12.
FIELD_1_WEAK = {**FIELD_1, "par_annual_plan_days_late": 16, "par_annual_plan_tasks_completed_on_time": 35,
                "par_reports_late_or_missing": 0, "par_inspection_units_inspected": 0}


@pytest.fixture(scope="module")
def dept():
    return load_methodology(DEPT)


@pytest.fixture(scope="module")
def commune():
    return load_methodology(COMMUNE)


def _facts(m, values, not_assigned=None, code="t", name="T"):
    typed = {k: (Decimal(str(v)) if isinstance(v, float) else v) for k, v in values.items()}
    return Facts("t.yaml", Agency(code=code, name=name), 2025, m.id, typed, not_assigned=not_assigned or {})


# ---------------------------------------------------------------- the methodology files


def test_unit_methodologies_declare_their_conventions(dept, commune):
    assert (dept.applies_to, dept.denominator, dept.survey.optional, dept.survey.when_absent) == ("department", "applicable", True, "rescale")
    assert (commune.applies_to, commune.denominator) == ("commune", "applicable")
    assert (dept.bonus.cap, dept.penalty.cap) == (Decimal(5), Decimal(10))
    assert [(g.code, g.min) for g in dept.groups] == [("tot", 80), ("kha", 70), ("trung-binh", 60), ("thap", 0)]
    split = {by: sum((s.max for s in m.leaves.values() if s.assessed_by == by), Decimal(0))
             for m in (dept,) for by in ("appraisal", "survey")}
    assert split == {"appraisal": 80, "survey": 20}
    assert sum((s.max for s in commune.leaves.values() if s.assessed_by == "survey"), Decimal(0)) == 30


def test_every_number_of_the_unit_methodologies_is_reconstructed_with_its_reasoning(dept, commune):
    for m in (dept, commune):
        for leaf in m.leaves.values():
            assert leaf.provenance == "reconstructed" and leaf.note
        for r in list(m.rules.values()) + [r for _, r in m.adjustment_rules]:
            assert r.provenance == "reconstructed" and r.note
        assert m.bonus.note and m.penalty.note and m.survey.note


def test_facts_are_reused_from_the_provincial_catalogue_not_copied(dept, par892):
    # the same name is the very same definition, and only the facts the unit's rules use are imported
    assert dept.facts["tthc_dossiers_resolved_on_time"] == par892.facts["tthc_dossiers_resolved_on_time"]
    assert dept.derived["tthc_dossiers_on_time_rate"] == par892.derived["tthc_dossiers_on_time_rate"]
    assert "grdp_growth_rate_actual" not in dept.facts
    text = (ROOT / "rules" / DEPT / "rules.yaml").read_text(encoding="utf-8")
    assert "tthc_dossiers_resolved_on_time:" not in text and "province_assigned_tasks_due:" in text


def test_the_national_card_is_unchanged_by_the_conventions(par892):
    card = score(par892, load_facts(ROOT / "fixtures/ca-mau-2025/weaknesses.yaml", par892))
    assert card.unit is None and card.adjustments is None
    assert set(card.counting) == {"not_applicable", "missing", "waived"} or "denominator" not in card.counting


# ---------------------------------------------------------------- denominator: applicable


def test_a_unit_without_some_tasks_is_judged_over_the_maxima_that_apply(dept):
    card = score(dept, _facts(dept, FIELD_1, {**ALL_BUT_FIELD_1, "8": "không khảo sát"}))
    assert card.applicable_max == Decimal(12) and card.max == Decimal(100)
    assert card.total == Decimal("10.5") and card.index == Decimal("87.50") and card.group == "tot"
    assert card.item("3.2.1").status == "not_applicable" and card.item("3.2.1").deductions == []
    assert "không được giao (kiểm thử)" in card.item("3.2.1").notes["not_assigned"]
    assert card.unit.not_assigned["6.1.1"] == "không được giao (kiểm thử)"


def test_the_fixture_unit_with_absent_tasks_has_a_maximum_below_100(dept):
    card = score(dept, load_facts(UNITS / "van-phong-ubnd-tinh.yaml", dept))
    assert card.item("1.3.1").status == card.item("6.1.1").status == "not_applicable"
    assert card.applicable_max == Decimal(94)      # 100 − 2 (1.3.1) − 4 (6.1.1)
    assert card.index == (card.total / card.applicable_max * 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert (card.total, card.index) == (Decimal("79.34"), Decimal("84.40"))


def test_a_fixed_denominator_refuses_tasks_not_assigned(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text('agency: {code: x, name: X}\nyear: 2025\nnot_assigned: {"1.1.1": "x"}\nfacts: {}\n', encoding="utf-8")
    r = run_cli("score", str(f), "--lang", "en")
    assert r.returncode == 2
    assert "not_assigned: par-province-892 counts every task for every unit (denominator: fixed)" in r.stderr and "[PS400]" in r.stderr


def test_not_assigned_names_real_items_with_a_reason(tmp_path):
    f = tmp_path / "u.yaml"
    f.write_text('agency: {code: x, name: X}\nyear: 2025\nnot_assigned: {"9.9.9": "x", "1.1.1": ""}\nfacts: {}\n', encoding="utf-8")
    r = run_cli("score", str(f), "-m", DEPT, "--lang", "en")
    assert r.returncode == 2
    assert f"{f}:3: not_assigned.9.9.9: unknown item '9.9.9'" in r.stderr
    assert "not_assigned.1.1.1: give the reason the unit has no such task (text) [PS400]" in r.stderr


# ---------------------------------------------------------------- survey optional, rescaled


def test_survey_absent_rescales_the_appraisal_to_100(dept):
    card = score(dept, _facts(dept, FIELD_1, ALL_BUT_FIELD_1))
    assert card.unit.survey_absent is True
    assert [card.item(c).status for c in ("8.1.1", "8.2.1")] == ["not_applicable", "not_applicable"]
    assert card.applicable_max == Decimal(12) and card.index == Decimal("87.50")
    assert "quy đổi về thang 100" in card.item("8.1.1").notes["survey_absent"]
    assert "survey" in card.counting


def test_a_partial_survey_is_missing_data_not_a_rescale(dept):
    card = score(dept, _facts(dept, {**FIELD_1, "sipas_service_delivery_satisfaction": Decimal(90)}, ALL_BUT_FIELD_1))
    assert card.unit.survey_absent is False
    assert card.item("8.1.1").points == Decimal("10.80") and card.item("8.2.1").status == "missing_facts"
    assert card.applicable_max == Decimal(32) and card.total == Decimal("21.30") and card.index == Decimal("66.56")


def test_the_fixture_unit_without_survey_is_rescaled(dept):
    card = score(dept, load_facts(UNITS / "so-khoa-hoc-va-cong-nghe.yaml", dept))
    appraisal_max = sum((it.max for it in card.items if it.assessed_by == "appraisal" and it.status != "not_applicable"), Decimal(0))
    assert card.unit.survey_absent and card.applicable_max == appraisal_max == Decimal(80)


# ---------------------------------------------------------------- bands


@pytest.mark.parametrize("index,band", [("100", "tot"), ("80.00", "tot"), ("79.99", "kha"), ("70.00", "kha"), ("69.99", "trung-binh"),
                                        ("60.00", "trung-binh"), ("59.99", "thap"), ("0", "thap")])
def test_band_edges(dept, index, band):
    assert group_of(dept, Decimal(index)) == band


def test_an_index_rounding_up_to_80_is_in_the_top_band(dept):
    assert index_of(Decimal("79.995"), Decimal(100)) == Decimal("80.00")
    assert group_of(dept, index_of(Decimal("79.995"), Decimal(100))) == "tot"
    assert group_of(dept, index_of(Decimal("79.994"), Decimal(100))) == "kha"


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=10000))
def test_every_index_falls_in_the_band_whose_range_holds_it(cents):
    m = load_methodology(DEPT)
    idx = Decimal(cents) / 100
    band = group_of(m, idx)
    lows = {g.code: g.min for g in m.groups}
    highs = {m.groups[i].code: m.groups[i - 1].min if i else Decimal(101) for i in range(len(m.groups))}
    assert lows[band] <= idx < highs[band]


# ---------------------------------------------------------------- bonus and penalty


def test_bonus_points_are_capped(dept):
    card = score(dept, _facts(dept, {**FIELD_1_WEAK, "par_initiatives_recognised": 9, "par_commended_by_province": True}, ALL_BUT_FIELD_1))
    assert sum((it.points for it in card.items), Decimal(0)) == Decimal(6)
    assert card.unit.bonus == Decimal(5) and card.total == Decimal(11) and card.index == Decimal("91.67")
    cap = [a for a in card.adjustments if a["id"] == "cap"]
    assert cap == [{"kind": "bonus", "id": "cap", "points": "5", "reason": "tổng điểm thưởng 10 vượt mức tối đa 5: chỉ tính 5"}]
    assert {a["id"]: a["points"] for a in card.adjustments if a["kind"] == "bonus"} == {
        "bonus-initiatives-recognised": "9", "bonus-commended-by-province": "1", "cap": "5"}


def test_penalty_points_are_capped(dept):
    values = {**FIELD_1_WEAK, "par_initiatives_recognised": 9, "harassment_cases_confirmed": 6, "par_head_criticised_by_province": True}
    card = score(dept, _facts(dept, values, ALL_BUT_FIELD_1))
    assert (card.unit.bonus, card.unit.penalty) == (Decimal(5), Decimal(10))
    assert card.total == Decimal(1) and card.index == Decimal("8.33")       # 6 + 5 − 10 over 12


def test_a_penalty_below_its_cap_counts_in_full(dept):
    card = score(dept, _facts(dept, {**FIELD_1_WEAK, "harassment_cases_confirmed": 1}, ALL_BUT_FIELD_1))
    assert card.unit.penalty == Decimal(2) and card.total == Decimal(4) and card.index == Decimal("33.33")


def test_an_unreported_bonus_or_penalty_fact_is_shown_not_hidden(dept):
    card = score(dept, _facts(dept, FIELD_1, ALL_BUT_FIELD_1))
    missing = [a for a in card.adjustments if a["points"] == "0"]
    assert {a["id"] for a in missing} == {"bonus-initiatives-recognised", "bonus-commended-by-province",
                                          "penalty-harassment-confirmed", "penalty-head-criticised"}
    assert all("chưa báo cáo số liệu" in a["reason"] for a in missing)


def test_the_index_stays_within_100_with_bonus(dept):
    card = score(dept, _facts(dept, {**FIELD_1, "par_initiatives_recognised": 5}, ALL_BUT_FIELD_1))
    assert card.total == Decimal("15.5") and card.index == Decimal(100)


# ---------------------------------------------------------------- validate checks each declaration


def _copy_methodology(tmp_path: Path, edit_criteria=None, edit_rules=None) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules" / DEPT, rules)
    text = (ROOT / "criteria" / f"{DEPT}.yaml").read_text(encoding="utf-8")
    text = text.replace(f"rules: ../rules/{DEPT}", "rules: rules").replace(
        "facts_from: [../rules/par-province-892]", f"facts_from: [{ROOT / 'rules' / 'par-province-892'}]")
    if edit_criteria:
        text = edit_criteria(text)
    if edit_rules:
        (rules / "rules.yaml").write_text(edit_rules((rules / "rules.yaml").read_text(encoding="utf-8")), encoding="utf-8")
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name,edit_criteria,edit_rules,expected", [
    ("facts_from missing", lambda t: t.replace(str(ROOT / "rules" / "par-province-892"), "/nonexistent/rules"), None,
     "facts_from[0]: '/nonexistent/rules' is not a rules directory or catalogue file"),
    ("rescale without optional", lambda t: t.replace("  optional: true\n", "  optional: false\n"), None,
     "survey.when_absent: 'rescale' applies only to an optional survey"),
    ("bonus without cap", lambda t: "\n".join(l for l in t.splitlines() if not l.startswith("bonus:")) + "\n", None,
     "a bonus rule needs the methodology to declare its cap"),
    ("feeds without feeds_into", lambda t: "\n".join(l for l in t.splitlines() if not l.startswith("feeds_into:")) + "\n", None,
     "feeds names provincial items, but the methodology declares no feeds_into"),
    ("unknown fed item", None, lambda t: t.replace('feeds: ["3.4.1"]', 'feeds: ["3.4.9"]'),
     "rules.dept-dossiers-on-time.feeds: '3.4.9' is not an item of par-province-892 (did you mean '3.4.3'?) [PS405]"),
    ("each on a yes/no fact", None, lambda t: t.replace("fact: par_commended_by_province\n    points: 1", "fact: par_commended_by_province\n    each: 1"),
     "'each' multiplies a count or number; 'par_commended_by_province' is boolean: use 'points'"),
    ("a provincial name redeclared differently", None,
     lambda t: t.replace("facts:\n", "facts:\n  tthc_dossiers_resolved: {type: count, unit: {vi: hồ sơ, en: dossiers}, better: none, "
                                      "description: {vi: khác, en: other}}\n", 1),
     "'tthc_dossiers_resolved' is declared here differently from the imported definition"),
    ("unknown applies_to", lambda t: t.replace("applies_to: department", "applies_to: district"), None,
     "applies_to: Input should be 'province', 'department' or 'commune'"),
    ("unknown denominator", lambda t: t.replace("denominator: applicable ", "denominator: flexible "), None,
     "denominator: Input should be 'fixed' or 'applicable'"),
])
def test_validate_checks_each_declaration(tmp_path, name, edit_criteria, edit_rules, expected):
    path = _copy_methodology(tmp_path, edit_criteria, edit_rules)
    r = run_cli("validate", str(path), "--lang", "en")   # the English message ids (Vietnamese: tests/test_i18n.py)
    assert r.returncode == 2, name
    assert expected in r.stderr, r.stderr


def test_a_methodology_feeding_itself_is_refused_not_recursed(tmp_path):
    path = _copy_methodology(tmp_path, lambda t: t.replace("feeds_into: par-province-892", "feeds_into: m.yaml"))
    r = run_cli("validate", str(path), "--lang", "en")
    assert r.returncode == 2 and "feeds_into: 'm.yaml' feeds back into par-department-ca-mau" in r.stderr and "[PS404]" in r.stderr


def test_a_folder_of_single_unit_templates_is_ranked_with_missing_facts_shown(tmp_path):
    out = tmp_path / "gui"
    run_cli("template", "-m", COMMUNE, "--units", str(_roster(tmp_path, "commune")), "-o", str(out))
    r = run_cli("rank", str(out), "-m", COMMUNE, "-f", "json")
    assert r.returncode == 0, r.stderr
    units = json.loads(r.stdout)["units"]
    assert [(u["rank"], u["code"], u["index"]) for u in units] == [(1, "so-noi-vu", 0.0), (1, "so-tu-phap", 0.0)]
    assert len(units[0]["missing_items"]) == 20      # 22 items, the 2 survey items rescaled away


def test_validate_accepts_the_copied_methodology_as_is(tmp_path):
    r = run_cli("validate", str(_copy_methodology(tmp_path)))
    assert r.returncode == 0, r.stderr


def test_a_facts_file_for_another_level_is_refused(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("agency: {code: x, name: X}\nyear: 2025\nlevel: commune\nillustrative: yes please\nfacts: {}\n", encoding="utf-8")
    r = run_cli("score", str(f), "-m", DEPT, "--lang", "en")
    assert r.returncode == 2
    assert (f"{f}:3: level: this file is a commune's facts, but {DEPT} applies to: department; score it with a commune "
            "methodology (-m ...) [PS403]") in r.stderr
    assert f"{f}:4: illustrative: expected true or false" in r.stderr


# ---------------------------------------------------------------- ranking


def test_ranking_shares_ranks_on_ties_and_skips_after(dept):
    facts, skipped = load_units(UNITS, dept)
    r = rank_units(dept, facts)
    assert skipped == ["phuong-an-xuyen.yaml", "phuong-ly-van-lam.yaml", "xa-dat-mui.yaml", "xa-nam-can.yaml"]
    assert [(u.rank, u.code) for u in r.units] == [
        (1, "so-tu-phap"), (2, "so-noi-vu"), (3, "van-phong-ubnd-tinh"), (4, "so-khoa-hoc-va-cong-nghe"), (5, "so-tai-chinh"),
        (6, "so-xay-dung"), (6, "so-y-te"), (8, "so-nong-nghiep-va-moi-truong")]
    assert all(u.illustrative for u in r.units) and r.illustrative


def test_ranking_points_lost_by_field_add_up(dept):
    facts, _ = load_units(UNITS, dept)
    for u in rank_units(dept, facts).units:
        items_total = u.total - (u.bonus or 0) + (u.penalty or 0)
        assert sum(u.lost_by_field.values()) == u.lost == u.applicable_max - items_total


def test_rank_units_is_rank_cards_of_the_scored_units(dept):
    facts, _ = load_units(UNITS, dept)
    assert rank_units(dept, facts) == rank_cards(dept, [(score(dept, f), f) for f in facts])


def test_two_units_with_one_code_are_refused(dept):
    facts, _ = load_units(UNITS, dept)
    with pytest.raises(InputError) as e:
        rank_units(dept, facts + facts[:1])
    assert e.value.problems[0].code == "PS411"


def test_rank_cli_table(tmp_path):
    r = run_cli("rank", str(UNITS), "-m", DEPT, "--lang", "en")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "PAR INDEX RESULTS 2025 OF PROVINCIAL DEPARTMENTS"
    assert "ILLUSTRATIVE FIGURES" in lines[3]
    rows = [l.split() for l in lines if l[:1].isdigit()]
    assert [(x[0], x[-1]) for x in rows[5:7]] == [("6", "−2"), ("6", "−2")]
    assert "Sở Xây dựng" in r.stdout and "skipped 4 file(s)" in r.stderr
    vp = next(l for l in lines if "Văn phòng" in l).split()
    assert vp[:9] == ["3", "Văn", "phòng", "UBND", "tỉnh", "84.40", "Good", "79.34", "94"]
    assert "not assigned: 1.3.1, 6.1.1" in r.stdout and "no survey: appraisal rescaled to 100" in r.stdout


def test_score_batch_is_rank():
    a = run_cli("score", "--batch", str(UNITS), "-m", DEPT, "-f", "json")
    b = run_cli("rank", str(UNITS), "-m", DEPT, "-f", "json")
    assert a.returncode == 0 and a.stdout == b.stdout
    data = json.loads(a.stdout)
    assert data["units"][2]["code"] == "van-phong-ubnd-tinh" and data["units"][2]["applicable_max"] == 94
    assert data["units"][2]["not_assigned"] == ["1.3.1", "6.1.1"] and data["level"] == "department"


def test_rank_needs_a_methodology_and_units():
    r = run_cli("rank", str(UNITS), "--lang", "en")
    assert r.returncode == 2 and "name the units' methodology" in r.stderr
    r = run_cli("rank", str(ROOT / "docs"), "-m", DEPT, "--lang", "en")
    assert r.returncode == 2 and "no facts file for par-department-ca-mau (department) here [PS410]" in r.stderr


def test_rank_xlsx_is_print_ready_and_never_replaces_an_input(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "rank.xlsx"
    r = run_cli("rank", str(UNITS), "-m", COMMUNE, "-f", "xlsx", "-o", str(out), "--decision", "12/QĐ-UBND ngày 20/01/2026")
    assert r.returncode == 0, r.stderr
    size = out.stat().st_size   # said on stderr like every file a command writes: Vietnamese by default
    assert r.stderr.startswith(f"parscore: đã ghi {out} ({size} byte)\n"), r.stderr
    out_en = tmp_path / "rank.json"
    r_en = run_cli("rank", str(UNITS), "-m", COMMUNE, "-f", "json", "-o", str(out_en), "--lang", "en")
    assert r_en.returncode == 0 and f"parscore: wrote {out_en} ({out_en.stat().st_size} bytes)\n" in r_en.stderr, r_en.stderr
    ws = load_workbook(out).active
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$4:$5"
    assert ws["A1"].value == "ỦY BAN NHÂN DÂN TỈNH CÀ MAU" and "12/QĐ-UBND ngày 20/01/2026" in ws["A3"].value
    assert [ws.cell(row=6, column=c).value for c in (1, 2, 3, 4)] == [1, "Phường An Xuyên", 87.5, "Tốt"]
    # -o names the file to write, as for every command: an input is never replaced
    facts = UNITS / "phuong-an-xuyen.yaml"
    before = facts.read_bytes()
    r = run_cli("rank", str(UNITS), "-m", COMMUNE, "-f", "json", "-o", str(facts), "--lang", "en")
    assert r.returncode == 2 and "[PS231]" in r.stderr and facts.read_bytes() == before


def test_rank_html_is_self_contained_with_the_national_header(tmp_path):
    out = tmp_path / "rank.html"
    assert run_cli("rank", str(UNITS), "-m", DEPT, "-f", "html", "-o", str(out)).returncode == 0
    html = out.read_text(encoding="utf-8")
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ỦY BAN NHÂN DÂN TỈNH CÀ MAU",
                 "KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2025 CỦA CÁC SỞ, BAN, NGÀNH", "Quy tắc đồng hạng",
                 "size: A4 landscape", "thead { display: table-header-group; }"):
        assert text in html
    assert "http" not in html and "<script" not in html


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_rank_html_prints_on_one_landscape_page(tmp_path):
    import subprocess

    out = tmp_path / "rank.html"
    run_cli("rank", str(UNITS), "-m", DEPT, "-f", "html", "-o", str(out))
    pdf = tmp_path / "rank.pdf"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer"]
    subprocess.run([CHROMIUM, *flags, f"--print-to-pdf={pdf}", out.as_uri()], timeout=120, capture_output=True)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdfinfo"):   # poppler-utils
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60).stdout
        assert re.search(r"Pages:\s+1\n", info) and re.search(r"Page size:\s+841\.\d+ x 59[45]\.\d+ pts \(A4\)", info), info


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs libreoffice-calc-nogui)")
def test_rank_xlsx_prints_on_one_landscape_page_in_libreoffice(tmp_path):
    import subprocess

    out = tmp_path / "rank.xlsx"
    assert run_cli("rank", str(UNITS), "-m", DEPT, "-f", "xlsx", "-o", str(out)).returncode == 0
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(out)], capture_output=True, timeout=180)
    pdf = tmp_path / "rank.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdfinfo"):
        import re as _re
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60).stdout
        assert _re.search(r"Pages:\s+1\n", info) and _re.search(r"Page size:\s+841\.\d+ x 595\.\d+ pts \(A4\)", info), info


# ---------------------------------------------------------------- rosters and workbooks


def _roster(tmp_path: Path, level: str = "department") -> Path:
    f = tmp_path / "roster.yaml"
    f.write_text(yaml.safe_dump({"roster": "Danh sách minh họa", "year": 2025, "level": level, "units": [
        {"code": "so-noi-vu", "name": "Sở Nội vụ"}, {"code": "so-tu-phap", "name": "Sở Tư pháp"}]}, allow_unicode=True), encoding="utf-8")
    return f


def test_template_units_writes_one_workbook_per_unit_and_keeps_existing_ones(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "gui-don-vi"
    r = run_cli("template", "-m", DEPT, "--units", str(_roster(tmp_path)), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["so-noi-vu.xlsx", "so-tu-phap.xlsx"]
    info = load_workbook(out / "so-tu-phap.xlsx")["Hướng dẫn"]
    assert (info["B8"].value, info["B9"].value, info["B10"].value) == ("so-tu-phap", "Sở Tư pháp", 2025)
    (out / "so-noi-vu.xlsx").write_bytes(b"filled by the unit")
    r = run_cli("template", "-m", DEPT, "--units", str(_roster(tmp_path)), "-o", str(out), "--lang", "en")
    assert r.returncode == 0 and "kept" in r.stderr and "so-noi-vu.xlsx (exists already; not overwritten)" in r.stderr
    assert (out / "so-noi-vu.xlsx").read_bytes() == b"filled by the unit"


def test_a_roster_for_another_level_is_refused(tmp_path):
    r = run_cli("template", "-m", DEPT, "--units", str(_roster(tmp_path, "commune")), "-o", str(tmp_path / "x"), "--lang", "en")
    assert r.returncode == 2 and "the roster lists commune units, but par-department-ca-mau applies to: department" in r.stderr


def test_one_sheet_per_unit_workbook_round_trips_to_the_same_ranking(tmp_path, dept):
    from openpyxl import load_workbook

    wb_path = tmp_path / "units.xlsx"
    assert run_cli("template", "-m", DEPT, "--units", str(_roster(tmp_path)), "-o", str(wb_path)).returncode == 0
    wb = load_workbook(wb_path)
    yaml_facts = {c: load_facts(UNITS / f"{c}.yaml", dept) for c in ("so-noi-vu", "so-tu-phap")}
    for code, facts in yaml_facts.items():
        ws = wb[code]
        for row in ws.iter_rows(min_row=7):
            name = row[0].value
            if name in facts.values:
                v = facts.values[name]
                row[3].value = ("có" if v else "không") if isinstance(v, bool) else float(v) if isinstance(v, Decimal) else v
    wb.save(wb_path)
    from_book = rank_units(dept, load_units(wb_path, dept)[0])
    from_yaml = rank_units(dept, list(yaml_facts.values()))
    assert [(u.code, u.index, u.rank) for u in from_book.units] == [(u.code, u.index, u.rank) for u in from_yaml.units]
    r = run_cli("template", "-m", DEPT, "--units", str(_roster(tmp_path)), "-o", str(wb_path), "--lang", "en")
    assert r.returncode == 0 and f"parscore: wrote {wb_path} (" in r.stderr   # -o replaces as for every command


def test_a_bad_cell_in_a_unit_sheet_is_located(tmp_path, dept):
    from openpyxl import load_workbook

    wb_path = tmp_path / "units.xlsx"
    run_cli("template", "-m", DEPT, "--units", str(_roster(tmp_path)), "-o", str(wb_path))
    wb = load_workbook(wb_path)
    ws = wb["so-tu-phap"]
    ws["D7"] = "hai mươi"
    ws["B4"] = "9.9.9: x"
    wb.save(wb_path)
    r = run_cli("rank", str(wb_path), "-m", DEPT, "--lang", "en")
    assert r.returncode == 2
    # read as in a single agency's workbook, with the same advice (excel.reader.fact_value)
    assert (f"{wb_path}: so-tu-phap!D7: {ws['A7'].value}: the cell holds the text 'hai mươi', not a number. Type the whole "
            "number into a cell formatted as Number (no thousands separators), or remove the leading apostrophe (') [PS186]"
            in r.stderr)
    assert "so-tu-phap!B4: unknown item '9.9.9'" in r.stderr


def test_a_unit_sheet_reads_percent_formats_and_yes_no_like_the_agency_workbook(tmp_path, dept):
    """0.8642 formatted as 86,42% is 86.42 (the reader used to take it as 0.8642)."""
    from openpyxl import load_workbook

    wb_path = tmp_path / "units.xlsx"
    run_cli("template", "-m", DEPT, "--units", str(_roster(tmp_path)), "-o", str(wb_path))
    wb = load_workbook(wb_path)
    ws = wb["so-tu-phap"]
    rows = {r[0].value: r[0].row for r in ws.iter_rows(min_row=7) if r[0].value}
    pct = next(n for n in rows if dept.facts[n].type == "percent")
    yes = next(n for n in rows if dept.facts[n].type == "boolean")
    ws[f"D{rows[pct]}"] = 0.8642
    ws[f"D{rows[pct]}"].number_format = "0.00%"
    ws[f"D{rows[yes]}"] = "Có"
    wb.save(wb_path)
    unit = next(f for f in load_units(wb_path, dept)[0] if f.agency.code == "so-tu-phap")
    assert unit.values[pct] == Decimal("86.42") and unit.values[yes] is True


# ---------------------------------------------------------------- units feeding the province


def test_a_unit_card_lists_the_provincial_items_it_feeds(dept):
    card = score(dept, load_facts(UNITS / "so-tu-phap.yaml", dept))
    assert card.unit.feeds_into == "par-province-892" and card.unit.feeds["3.2.1"] == ["3.4.1"]
    r = run_cli("score", str(UNITS / "so-tu-phap.yaml"), "--lang", "en")
    assert "Provincial items (par-province-892) the unit's results feed" in r.stdout and "3.4.1" in r.stdout


def test_plan_lists_the_units_whose_results_move_each_provincial_item(dept):
    r = run_cli("plan", "fixtures/ca-mau-2025/weaknesses.yaml", "--target", "92", "--units-dir", str(UNITS), "-f", "json")
    assert r.returncode == 0, r.stderr
    fed = {x["code"]: x for x in json.loads(r.stdout)["units"]}
    on_time = fed["3.4.1"]
    tu_phap = score(dept, load_facts(UNITS / "so-tu-phap.yaml", dept)).item("3.2.1")
    row = next(u for u in on_time["units"] if u["unit"] == "so-tu-phap")
    assert (row["item"], Decimal(str(row["shortfall"]))) == ("3.2.1", tu_phap.max - tu_phap.points)
    assert {u["level"] for u in on_time["units"]} == {"department", "commune"}
    assert on_time["shortfall"] == pytest.approx(sum(u["shortfall"] for u in on_time["units"]))
    shortfalls = [u["shortfall"] for u in on_time["units"]]
    assert shortfalls == sorted(shortfalls, reverse=True)
    table = run_cli("plan", "fixtures/ca-mau-2025/weaknesses.yaml", "--units-dir", str(UNITS), "--lang", "en")
    assert "Departments and communes whose results move the provincial items" in table.stdout


# ---------------------------------------------------------------- the province's overlay with its real table

OVERLAY = ROOT / "tests" / "data" / "units" / "official-1437.yaml"


def test_an_overlay_restates_the_table_the_conventions_and_the_bonus_rules():
    m = load_methodology(DEPT, overlay=OVERLAY)
    assert m.overlay.startswith("QĐ 1437/QĐ-UBND")
    assert [g.code for g in m.groups] == ["xuat-sac", "tot", "kha", "thap"]
    assert (m.bonus.cap, m.bonus.provenance, m.penalty.cap, m.penalty.provenance) == (Decimal(3), "official", Decimal(10), "reconstructed")
    assert (m.leaves["1.1.2"].max, m.leaves["1.1.2"].provenance, m.rules["1.1.2"].provenance) == (Decimal(2), "official", "official")
    bonus = {r.id: r for r in m.bonus_rules}
    assert (bonus["bonus-initiatives-recognised"].each, bonus["bonus-initiatives-recognised"].provenance) == (Decimal("0.5"), "official")
    card = score(m, load_facts(UNITS / "so-tu-phap.yaml", m))
    assert card.unit.bonus == Decimal(1)                    # 2 initiatives × 0.5; commendation not given
    r = run_cli("rank", str(UNITS), "-m", DEPT, "--overlay", str(OVERLAY), "-f", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["overlay"].startswith("QĐ 1437/QĐ-UBND")


def test_an_overlay_may_not_restate_anything_else(tmp_path):
    bad = tmp_path / "o.yaml"
    bad.write_text('overlay: x\ncitation: y\nconventions: {applies_to: commune}\n', encoding="utf-8")
    r = run_cli("criteria", DEPT, "--overlay", str(bad))
    assert r.returncode == 2 and "conventions.applies_to: an overlay restates only groups, bonus, penalty, survey" in r.stderr


def test_appraisal_rounds_keep_the_unit_conventions_and_share_the_bonus_cap(tmp_path, dept):
    from parscore.appraisal import appraise, load_appraisal

    facts = load_facts(UNITS / "so-noi-vu.yaml", dept)     # 2 initiatives (+2) and a commendation (+1) from facts
    a = tmp_path / "a.yaml"
    a.write_text("agency: so-noi-vu\nyear: 2025\nrounds:\n  - {round: 1, appraiser: Hội đồng thẩm định, items: {}}\n"
                 "bonus:\n  - {id: giai-thuong-quoc-gia, points: 4, reason: Giải thưởng cấp quốc gia}\n", encoding="utf-8")
    card = appraise(dept, facts, load_appraisal(a, dept, facts))
    computed = score(dept, facts)
    assert card.unit.bonus == Decimal(5)                   # 2 + 1 + 4 = 7, capped at 5 once
    assert card.total == computed.total - computed.unit.bonus + 5
    assert card.unit.not_assigned == computed.unit.not_assigned and "denominator" in card.counting


@settings(deadline=None, max_examples=60)
@given(st.lists(st.integers(min_value=0, max_value=10000), min_size=1, max_size=12))
def test_ranks_follow_the_tie_rule(cents):
    """Law: a unit's rank is 1 + the number of units with a strictly higher index."""
    m = load_methodology(DEPT)
    base = score(m, _facts(m, FIELD_1, ALL_BUT_FIELD_1))
    cards = [(base.model_copy(update={"index": Decimal(c) / 100, "agency": Agency(code=f"u{i}", name=f"Đơn vị {i:02d}")}),
              _facts(m, {}, code=f"u{i}")) for i, c in enumerate(cents)]
    rows = rank_cards(m, cards).units
    for row in rows:
        assert row.rank == 1 + sum(1 for r in rows if r.index > row.index)
    assert [r.index for r in rows] == sorted((r.index for r in rows), reverse=True)


def test_plan_takes_saved_unit_cards_too(tmp_path):
    d = tmp_path / "cards"
    d.mkdir()
    for name in ("so-tu-phap", "xa-dat-mui"):
        assert run_cli("score", str(UNITS / f"{name}.yaml"), "-f", "json", "-o", str(d / f"{name}.json")).returncode == 0
    (d / "broken.json").write_text("{}", encoding="utf-8")
    r = run_cli("plan", "fixtures/ca-mau-2025/weaknesses.yaml", "--units-dir", str(d), "--lang", "en")
    assert r.returncode == 2 and f"{d / 'broken.json'}: not a parscore scorecard JSON" in r.stderr and "[PS416]" in r.stderr
    (d / "broken.json").unlink()
    from_cards = json.loads(run_cli("plan", "fixtures/ca-mau-2025/weaknesses.yaml", "--units-dir", str(d), "-f", "json").stdout)["units"]
    fed = {x["code"]: [(u["unit"], u["shortfall"]) for u in x["units"]] for x in from_cards}
    assert sorted(u for u, _ in fed["3.4.1"]) == ["so-tu-phap", "xa-dat-mui"]


def test_describe_restates_an_imported_fact_at_the_unit_scope_without_changing_it(dept, par892):
    mine, theirs = dept.facts["tthc_dossiers_resolved"], par892.facts["tthc_dossiers_resolved"]
    assert "tại đơn vị" in mine.description.vi and "của tỉnh" in theirs.description.vi
    assert mine.model_copy(update={"description": theirs.description}) == theirs


def test_describe_of_an_unused_fact_is_refused(tmp_path):
    path = _copy_methodology(tmp_path, edit_rules=lambda t: t + "  grdp_growth_rate_actual: {vi: x, en: y}\n")
    r = run_cli("validate", str(path), "--lang", "en")
    assert r.returncode == 2
    assert "describe.grdp_growth_rate_actual: describes 'grdp_growth_rate_actual', which no rule of this methodology uses" in r.stderr
    assert "[PS417]" in r.stderr


@pytest.mark.parametrize("methodology", [DEPT, COMMUNE])
def test_a_unit_reporting_fewer_late_dossiers_than_resolved_minus_on_time_is_refused(tmp_path, methodology):
    """The province's fact constraint holds for the units' same facts (it used to be skipped for them)."""
    src = UNITS / ("so-tu-phap.yaml" if methodology == DEPT else "xa-dat-mui.yaml")
    text = src.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  tthc_dossiers_overdue: \d+$", "  tthc_dossiers_overdue: 0", text)
    f = tmp_path / "unit.yaml"
    f.write_text(text, encoding="utf-8")
    r = run_cli("score", str(f), "-m", methodology, "--lang", "en")
    assert r.returncode == 2 and "[PS20" in r.stderr and "tthc_dossiers_overdue" in r.stderr, r.stderr


def test_units_of_another_year_are_named_not_ranked_with_this_years(dept, tmp_path):
    """A 2024 facts file left in the folder of 2025's was ranked among them in silence."""
    import shutil

    folder = tmp_path / "units"
    shutil.copytree(UNITS, folder)
    old = folder / "so-noi-vu.yaml"
    old.write_text(old.read_text(encoding="utf-8").replace("\nyear: 2025\n", "\nyear: 2024\n"), encoding="utf-8")
    r = run_cli("rank", str(folder), "-m", dept.id, "--lang", "en")
    assert (r.returncode, r.stderr.strip()) == (2, f"parscore: {old}: year: this unit's facts are for 2024, the others' for "
                                                   "2025; rank one year's units at a time [PS412]")
    facts, _ = load_units(folder, dept)
    with pytest.raises(InputError) as e:
        rank_units(dept, facts)
    assert [p.file for p in e.value.problems] == [str(old)]
