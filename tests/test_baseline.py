"""Last year as a baseline: `baseline:` facts files, the compare kinds (increase, decrease,
at_least_baseline) with exact amounts, plan-status "increase on 2024" targets, and the
published maxima of Decision 892 (provenance `published`, the 2 + 6 + 7 constraint)."""
from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import MINI, ROOT, run_cli
from parscore import InputError, load_methodology, score
from parscore.loading import Facts, load_facts
from parscore.models import Agency



@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """English message ids are compared here (tests/test_i18n.py checks their Vietnamese)."""
    monkeypatch.setenv("PARSCORE_LANG", "en")

def _mini_kind(tmp_path: Path, score_line: str, explain_vi: str = "Giải ngân {value}% (năm trước {baseline}%, thay đổi {change}).") -> object:
    """mini with rule 2.1.1 (disbursement_rate) rewritten to another scoring kind."""
    shutil.copytree(MINI.parent, tmp_path / "m")
    f = tmp_path / "m" / "rules" / "all.yaml"
    text = f.read_text(encoding="utf-8")
    text = text.replace("    score: {kind: proportional, fact: disbursement_rate, zero_at: 50, full_at: 100}", "    " + score_line)
    text = text.replace('      vi: "Giải ngân {value}%; đạt tối đa khi {full}%."', f'      vi: "{explain_vi}"')
    text = text.replace('      en: "Disbursed {value}%; full at {full}%."', '      en: "Disbursed {value}% (last year {baseline}%, change {change})."')
    f.write_text(text, encoding="utf-8")
    return load_methodology(tmp_path / "m" / MINI.name)


def _facts(value, baseline_value=None, with_baseline=True):
    base = None
    if with_baseline:
        base = Facts("last.yaml", Agency(code="t", name="T"), 2024, None,
                     {} if baseline_value is None else {"disbursement_rate": Decimal(str(baseline_value))})
    return Facts("this.yaml", Agency(code="t", name="T"), 2025, None,
                 {"disbursement_rate": Decimal(str(value))}, baseline=base)


@pytest.mark.parametrize("backend", ["durable", "python"])
@pytest.mark.parametrize("kind,value,last,points,status", [
    ("increase", "80.01", "80", "2.00", "full"),          # any rise, however small
    ("increase", "80", "80", "0.00", "zero"),             # equal is not an increase
    ("increase", "79.99", "80", "0.00", "zero"),
    ("at_least_baseline", "80", "80", "2.00", "full"),
    ("at_least_baseline", "79.99", "80", "0.00", "zero"),
])
def test_compare_with_last_year_exactly(tmp_path, backend, kind, value, last, points, status):
    m = _mini_kind(tmp_path, "score: {kind: %s, fact: disbursement_rate}" % kind)
    item = score(m, _facts(value, last), "vi", backend).item("2.1.1")
    assert (str(item.points), item.status) == (points, status)
    assert item.baseline == {"disbursement_rate": format(Decimal(last).normalize(), "f")}
    if status == "zero":
        assert item.deductions[0].reason.startswith(f"Giải ngân {value.replace('.', ',')}% (năm trước {last.replace('.', ',')}%")


@pytest.mark.parametrize("with_baseline", [True, False])
def test_a_missing_baseline_value_is_missing_data_never_a_pass(tmp_path, with_baseline):
    m = _mini_kind(tmp_path, "score: {kind: increase, fact: disbursement_rate}")
    item = score(m, _facts("99", None, with_baseline), "en").item("2.1.1")
    assert (item.points, item.status) == (Decimal("0.00"), "missing_facts")
    where = "last.yaml" if with_baseline else "this facts file names no baseline: last year's file"
    assert item.deductions[0].reason == (f"Last year's value to compare with is missing (counted as 0): supply "
                                         f"disbursement_rate (Disbursement rate) in last year's facts file ({where}).")


def test_compare_rules_are_checked(tmp_path):
    with pytest.raises(InputError) as exc:
        _mini_kind(tmp_path / "a", "score: {kind: decrease, fact: disbursement_rate}")
    assert [p.code for p in exc.value.problems] == ["PS303"]
    assert "better higher, so kind 'decrease' would reward the worse direction; use increase" in exc.value.problems[0].message
    with pytest.raises(InputError) as exc:
        _mini_kind(tmp_path / "b", "score: {kind: increase, fact: disbursement_rate, than: disbursment}")
    assert [p.code for p in exc.value.problems] == ["PS052"]


def test_baseline_file_is_relative_to_the_facts_file_and_must_be_an_earlier_year(tmp_path):
    m = load_methodology("par-province-892")
    facts = load_facts(ROOT / "fixtures/ca-mau-2025/weaknesses.yaml", m)
    assert facts.baseline is not None and facts.baseline.year == 2024
    (tmp_path / "a.yaml").write_text("agency: x\nyear: 2025\nbaseline: missing.yaml\nfacts: {}\n", encoding="utf-8")
    r = run_cli("score", str(tmp_path / "a.yaml"))
    assert r.returncode == 2 and r.stderr.strip() == (
        f"parscore: {tmp_path / 'a.yaml'}:3: baseline: last year's facts file 'missing.yaml' was not found "
        f"(looked for {tmp_path / 'missing.yaml'}); the path is relative to this facts file [PS304]")
    (tmp_path / "b.yaml").write_text("agency: x\nyear: 2025\nbaseline: c.yaml\nfacts: {}\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text("agency: x\nyear: 2025\nfacts: {}\n", encoding="utf-8")
    r = run_cli("score", str(tmp_path / "b.yaml"))
    assert r.returncode == 2 and r.stderr.strip() == (
        f"parscore: {tmp_path / 'b.yaml'}:3: baseline: the baseline 'c.yaml' is for 2025, not a year before 2025; "
        "name the previous year's facts file [PS305]")


def test_less_than_2021_compares_amounts_not_a_rounded_ratio(tmp_path):
    """Issue 9 item 3: a reduction below 0.01% is a reduction."""
    m = load_methodology("par-province-892")
    f = Facts("f", Agency(code="t", name="T"), 2025, None,
              {"budget_spu_direct_spending_2021": Decimal(1000000), "budget_spu_direct_spending_year": Decimal(999999)})
    assert score(m, f).item("6.3.2").status == "full"
    out = run_cli("explain", "fixtures/ca-mau-2025/weaknesses.yaml", "6.3.2", "--lang", "en").stdout
    assert "compare: budget_spu_direct_spending_year < budget_spu_direct_spending_2021" in out


def test_increase_targets_of_the_plan_are_checked_against_last_year(tmp_path):
    data = json.loads(run_cli("plan-status", "fixtures/ca-mau-2025/weaknesses.yaml", "fixtures/ca-mau-2025/plan-126.yaml",
                              "--on", "2025-12-31", "-f", "json").stdout)
    by_id = {t["id"]: t for t in data["tasks"]}
    assert by_id["sipas-policy-up"]["state"] == "not_met"          # 86.1 < 86.42 last year
    assert by_id["sipas-policy-up"]["baseline"] == {"sipas_policy_satisfaction": "86.42"}
    assert by_id["sipas-service-delivery-up"]["state"] == "met"    # 87.3 > 86.42
    assert by_id["egov-online-payment-up"]["state"] == "met"
    # the same value as last year is not an increase; no baseline leaves the task unknown
    src = (ROOT / "fixtures/ca-mau-2025/weaknesses.yaml").read_text(encoding="utf-8")
    (tmp_path / "ca-mau-2024.yaml").write_text((ROOT / "fixtures/ca-mau-2024.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "d").mkdir()
    same = tmp_path / "d" / "same.yaml"
    same.write_text(src.replace("sipas_policy_satisfaction: 86.1", "sipas_policy_satisfaction: 86.42")
                    .replace("lead_units: lead-units.yaml", f"lead_units: {ROOT / 'fixtures/ca-mau-2025/lead-units.yaml'}"),
                    encoding="utf-8")
    states = {t["id"]: t["state"] for t in json.loads(run_cli("plan-status", str(same), "fixtures/ca-mau-2025/plan-126.yaml",
                                                             "--on", "2025-12-31", "-f", "json").stdout)["tasks"]}
    assert states["sipas-policy-up"] == "not_met"
    none = tmp_path / "d" / "none.yaml"
    none.write_text(same.read_text(encoding="utf-8").replace("baseline: ../ca-mau-2024.yaml", ""), encoding="utf-8")
    states = {t["id"]: t["state"] for t in json.loads(run_cli("plan-status", str(none), "fixtures/ca-mau-2025/plan-126.yaml",
                                                             "--on", "2025-12-31", "-f", "json").stdout)["tasks"]}
    assert states["sipas-policy-up"] == "unknown" and states["egov-digitisation-up"] == "unknown"


def test_published_maxima_and_the_constraint():
    data = json.loads(run_cli("criteria", "-f", "json").stdout)
    fields = {f["code"]: f for f in data["fields"]}
    assert {c: (f["max"], f["provenance"]) for c, f in fields.items() if f["provenance"] == "published"} == {
        "1": (9.5, "published"), "3": (13.0, "published"), "4": (10.5, "published"), "5": (15.0, "published"),
        "8": (16.5, "published")}
    assert all(fields[c]["citation"] for c in "13458")
    assert sum(fields[c]["max"] for c in "267") == 35.5
    assert data["constraints"] == [{"fields": ["2", "6", "7"], "total": 35.5, "provenance": "published",
                                    "citation": data["constraints"][0]["citation"], "note": data["constraints"][0]["note"]}]
    assert (data["total"], data["appraisal"], data["survey"]) == (100.0, 68.0, 32.0)
    assert data["counts"] == {"fields": 8, "criteria": 38, "sub_criteria": 88}
    assert len(data["expected_counts"]["sources"]) == 2
    # field 8: SIPAS 10 (two components of 5) + 6.5 socio-economic; officials' survey 22 over fields 1-7
    f8 = fields["8"]["criteria"]
    assert [c["max"] for c in f8] == [10.0, 1.5, 1.5, 1.5, 2.0]
    officials = sum(s["max"] for f in data["fields"] if f["code"] != "8" for c in f["criteria"] for s in c["sub_criteria"]
                    if s["assessed_by"] == "survey")
    assert officials == 22.0


def test_the_published_total_of_fields_2_6_7_is_enforced_on_load(tmp_path):
    src = (ROOT / "criteria/par-province-892.yaml").read_text(encoding="utf-8")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    (tmp_path / "criteria").mkdir()
    bad = src.replace("    total: 35.5\n", "    total: 36\n")
    p = tmp_path / "criteria" / "m.yaml"
    p.write_text(bad, encoding="utf-8")
    r = run_cli("validate", str(p))
    line = bad.splitlines().index("    total: 36") + 1
    assert r.returncode == 2
    assert r.stderr.strip().startswith(f"parscore: {p}:{line}: constraints[0].total: fields 2 + 6 + 7 add up to 35.5, "
                                       "but the published total is 36")
    assert r.stderr.strip().endswith("move points between these fields, not out of them [PS300]")


def test_every_bundled_fixture_keeps_the_full_maximum(monkeypatch):
    monkeypatch.setenv("PARSCORE_LANG", "vi")   # the reasons a Vietnamese official reads
    for f in ["fixtures/ca-mau-2025/weaknesses.yaml", "fixtures/ca-mau-2025/targets-met.yaml", "fixtures/incomplete-2025.yaml",
              "fixtures/weak-province-2025.yaml", "fixtures/ca-mau-2024.yaml"]:
        card = json.loads(run_cli("score", f, "-f", "json").stdout)
        assert card["applicable_max"] == 100.0, f
        assert card["summary"]["by_status"]["not_applicable"] == 0
    met = json.loads(run_cli("score", "fixtures/ca-mau-2025/targets-met.yaml", "-f", "json").stdout)
    arose_not = [i for i in met["items"] if i["reason"] and i["reason"].startswith("Tình huống không phát sinh trong năm")]
    assert arose_not and all(i["status"] == "full" and i["points"] == i["max"] and not i["deductions"] for i in arose_not)


def test_published_needs_a_citation(tmp_path):
    shutil.copytree(MINI.parent, tmp_path / "m")
    p = tmp_path / "m" / MINI.name
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("    max: 6\n    provenance: reconstructed", "    max: 6\n    provenance: published", 1), encoding="utf-8")
    r = run_cli("validate", str(p))
    assert r.returncode == 2 and "provenance 'published' needs a citation [PS021]" in r.stderr


def test_results_file_ranks_a_2025_card_among_34_and_projects_field_ranks():
    from parscore.peers import load_peers

    t = load_peers(ROOT / "fixtures/results-2024.yaml")
    assert len(t.peers) == 63 and dict(t.provinces_by_year) == {2024: 63, 2025: 34}
    published = {p.code: p for p in t.peers if p.status == "published"}
    assert {c: (float(p.index), p.rank) for c, p in published.items()} == {
        "hai-phong": (96.17, 1), "ha-noi": (92.57, 3), "dong-nai": (90.69, 8), "son-la": (90.02, 12),
        "ca-mau": (89.33, 20), "binh-duong": (89.13, 23), "hoa-binh": (88.18, 37)}
    assert all(p.source and p.source != "illustrative placeholder, not a published figure" for p in published.values())
    assert sorted(p.rank for p in t.peers) == list(range(1, 64))   # ranks agree with the indices
    assert [p.code for p in sorted(t.peers, key=lambda p: -p.index)] == [p.code for p in sorted(t.peers, key=lambda p: p.rank)]
    assert sum(1 for p in t.peers if p.index >= 90) == 13
    card = json.loads(run_cli("score", "fixtures/ca-mau-2025/weaknesses.yaml", "--peers", "fixtures/results-2024.yaml", "-f", "json").stdout)
    r = card["rank"]
    # 88.65 would be 30th of the 63 rows (29 others above it, Bình Thuận's 88.7 the last); ceil(30 × 34 / 63) = ceil(16.19) = 17
    assert (r["rank"], r["of"], r["raw_rank"], r["scaled_from"], r["year"], r["previous_rank"], r["previous_of"], r["change"]) == (
        17, 34, 30, 63, 2025, 20, 63, None)
    fields = {f["field"]: (f["best"], f["worst"], f["of"]) for f in r["fields"]}
    # field 3: 81.08% is below Bình Thuận's 86.46% (62nd of 63), so last: 63/63 → 34/34
    assert fields["3"] == (34, 34, 34)
    # field 5: 95.20% is above Sơn La's 94.87% (2nd), so 1st or 2nd of 63 → 1st or 2nd... of 34
    assert fields["5"] == (1, 2, 34)
    last_year = json.loads(run_cli("score", "fixtures/ca-mau-2024.yaml", "--peers", "fixtures/results-2024.yaml", "-f", "json").stdout)
    assert (last_year["rank"]["of"], last_year["rank"]["scaled_from"]) == (63, None)   # a 2024 card: among the 63


def test_unknown_methodology_names_the_facts_file_and_line(tmp_path):
    f = tmp_path / "f.yaml"
    f.write_text("agency: x\nyear: 2025\nmethodology: par-province-829\nfacts: {}\n", encoding="utf-8")
    r = run_cli("score", str(f))
    assert r.returncode == 2 and r.stderr.strip() == (
        f"parscore: {f}:3: methodology: unknown methodology 'par-province-829'; did you mean 'par-province-892'? [PS020]")


def _blank_survey(tmp_path: Path) -> Path:
    """fixtures/incomplete-2025.yaml with every survey fact left out (the state at self-assessment time)."""
    import re

    from parscore.baseline import survey_facts

    sv = survey_facts(load_methodology("par-province-892"))
    lines = (ROOT / "fixtures/incomplete-2025.yaml").read_text(encoding="utf-8").split("\n")
    out = tmp_path / "blank.yaml"
    out.write_text("\n".join(l for l in lines if not any(re.match(rf"^  {n}:", l) for n in sv)), encoding="utf-8")
    return out


def test_the_survey_third_projected_from_last_year_is_within_a_point(tmp_path, monkeypatch):
    monkeypatch.setenv("PARSCORE_LANG", "vi")   # the reasons a Vietnamese official reads
    from dataclasses import replace

    from parscore.baseline import survey_facts

    m = load_methodology("par-province-892")
    sv = survey_facts(m)
    assert len(sv) == 22   # 20 officials' survey facts + 2 SIPAS components
    blank = _blank_survey(tmp_path)
    card = json.loads(run_cli("score", str(blank), "--baseline", "fixtures/ca-mau-2024.yaml", "-f", "json").stdout)
    projected = [it for it in card["items"] if it["status"] == "projected"]
    assert len(projected) == 22 == card["summary"]["by_status"]["projected"]
    assert all(it["assessed_by"] == "survey" and it["reason"].startswith("Chưa có kết quả điều tra năm nay: ước tính theo kết quả năm trước")
               for it in projected)
    assert next(i for i in card["items"] if i["code"] == "8.1.1")["facts"]["sipas_policy_satisfaction"] == "86.42"
    # the complete file: the same appraisal facts with this year's survey (the 2025 Cà Mau survey figures)
    inc = load_facts(ROOT / "fixtures/incomplete-2025.yaml", m)
    full = load_facts(ROOT / "fixtures/ca-mau-2025/weaknesses.yaml", m)
    complete = score(m, replace(inc, values={**inc.values, **{k: full.values[k] for k in sv}}))
    assert abs(Decimal(str(card["index"])) - complete.index) <= 1
    assert (card["appraisal_max"], card["survey_max"]) == (68.0, 32.0)
    assert card["appraisal_points"] == float(complete.appraisal_points)          # the appraisal part is this year's
    assert card["projected_points"] == card["survey_points"]                     # every survey point is projected
    assert card["index_without_projection"] == card["appraisal_points"]          # out of 100, survey missing
    assert card["projection_source"].endswith("ca-mau-2024.yaml")
    text = run_cli("score", str(blank), "--baseline", "fixtures/ca-mau-2024.yaml").stdout
    assert "Điểm thẩm định                       42,69 / 68" in text
    assert f"Chỉ số nếu không tính phần ước tính  {str(card['index_without_projection']).replace('.', ',')}%" in text
    plan = run_cli("plan", str(blank), "--baseline", "fixtures/ca-mau-2024.yaml", "--lang", "en").stdout
    assert "This plan uses survey points projected from last year for 22 items" in plan
    # without --baseline nothing is projected, and the survey items are missing data, never zero points in disguise
    bare = json.loads(run_cli("score", str(blank), "-f", "json").stdout)
    assert bare["summary"]["by_status"]["projected"] == 0 and bare["projected_points"] is None
    assert bare["index"] == card["index_without_projection"]


def test_a_published_results_row_as_the_baseline(tmp_path):
    blank = _blank_survey(tmp_path)
    card = json.loads(run_cli("score", str(blank), "--baseline", "fixtures/results-2024.yaml", "-f", "json").stdout)
    items = {i["code"]: i for i in card["items"]}
    assert items["8.1.1"]["facts"]["sipas_policy_satisfaction"] == "86.42"      # Cà Mau's published SIPAS 2024
    assert items["1.3.3"]["status"] == "projected"
    assert card["projection_source"] == "fixtures/results-2024.yaml (Cà Mau, 2024)"
    other = tmp_path / "other.yaml"
    other.write_text(blank.read_text(encoding="utf-8").replace("code: ca-mau", "code: ca-mao"), encoding="utf-8")
    r = run_cli("score", str(other), "--baseline", "fixtures/results-2024.yaml")
    assert r.returncode == 2 and r.stderr.strip() == (
        "parscore: fixtures/results-2024.yaml: rows: no row for the agency 'ca-mao' (did you mean 'ca-mau'?); the baseline needs "
        "the agency's own results (its code as in the facts file's agency) [PS312]")


def test_validate_knows_results_and_peer_tables():
    r = run_cli("validate", "fixtures/results-2024.yaml", "fixtures/peers-2024.yaml", "fixtures/ca-mau-2024.yaml")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "fixtures/results-2024.yaml: OK (results (63 provinces, 2024))"


def _plan_rules():
    m = load_methodology("par-province-892")
    # every plan target, 5.4.1 and 8.5.2 included: points are cut down to 0.01, so 99.99 % of a
    # target never earns full points
    return [pytest.param(code, r, id=code) for code, r in m.rules.items() if r.provenance == "plan-126"]


@pytest.mark.parametrize("code,rule", _plan_rules())
def test_facts_written_from_the_plan_score_as_the_plan_says(code, rule):
    """At the plan's target: full points; just short of it: strictly less; left out: never achieved."""
    from parscore.models import BooleanScore, CompareScore, PerOccurrenceScore, ProportionalScore, TiersScore

    m = load_methodology("par-province-892")
    s = rule.score
    arise: dict = {}
    na = rule.not_applicable_when
    if na is not None and na.fact in m.facts:                       # make the situation arise
        arise[na.fact] = (not na.equals) if isinstance(na.equals, bool) else 7

    def at(value) -> dict:
        """Facts giving the scored fact `value`: directly, or as a ratio over 10,000."""
        if s.fact in m.facts:
            return {s.fact: value}
        spec = m.derived[s.fact]
        if spec.difference:                                   # "more than last year": a − b
            a, b = spec.difference
            return {b: 100, a: 100 + int(value)}
        assert spec.ratio, f"{s.fact}: a ratio or a difference"
        num, den = spec.ratio
        return {den: 10000, num: int(Decimal(str(value)) * 100)}

    def pts(values: dict):
        f = Facts("plan.yaml", Agency(code="t", name="T"), 2025, None, {**arise, **values})
        return score(m, f).item(code)

    better = m.kind_of(s.fact).better
    if isinstance(s, TiersScore):
        bound = s.tiers[0].bound
        counted = (s.fact in m.facts and m.facts[s.fact].type == "count") or (s.fact in m.derived and m.derived[s.fact].difference)
        step = Decimal(1) if counted else Decimal("0.01")
        full, short = at(bound), at(bound - step if better != "lower" else bound + step)
    elif isinstance(s, BooleanScore):
        full, short = {s.fact: s.expect}, {s.fact: not s.expect}
    elif isinstance(s, PerOccurrenceScore):
        full, short = {s.fact: 0}, {s.fact: 1}
    elif isinstance(s, ProportionalScore):
        full, short = at(s.full_at), at(s.full_at - Decimal("0.01"))
    elif isinstance(s, CompareScore):
        full, short = {s.fact: Decimal(999999), s.than: Decimal(1000000)}, {s.fact: Decimal(1000000), s.than: Decimal(1000000)}
    else:
        pytest.fail(f"{code}: a plan-126 rule of kind {s.kind}")
    got_full, got_short = pts(full), pts(short)
    assert (got_full.points, got_full.status) == (got_full.max, "full"), (code, full)
    assert got_short.points < got_full.points, (code, short)
    left_out = pts({})
    assert left_out.status == "missing_facts" and left_out.points == 0


def test_an_increase_too_small_for_a_rounded_rate_still_counts(tmp_path):
    """60,000,001 of 100,000,000 against 60,000,000 last year: both rates cut to 4 decimals
    read 60%, yet the amount rose; plan-status compares the exact amounts."""
    import datetime as dt

    from parscore.tracking import load_plan, plan_status

    m = load_methodology("par-province-892")
    plan = tmp_path / "p.yaml"
    plan.write_text("plan: t\ncitation: c\nagency: x\nunits: {vp: {vi: VP, en: VP}}\ntasks:\n"
                    "  - {id: pay, section: s, title: {vi: a, en: a}, lead: vp, serves: ['7.3.3'],"
                    " target: {fact: egov_online_payment_rate, increase: true}}\n", encoding="utf-8")
    p = load_plan(plan, m)
    last = Facts("l", Agency(code="x", name="X"), 2024, None, {"egov_dossiers_fee_bearing": 100000000, "egov_dossiers_paid_online": 60000000})

    def state(paid: int) -> str:
        f = Facts("f", Agency(code="x", name="X"), 2025, None,
                  {"egov_dossiers_fee_bearing": 100000000, "egov_dossiers_paid_online": paid}, baseline=last)
        return plan_status(m, f, p, dt.date(2025, 12, 31)).tasks[0].state

    assert (state(60000001), state(60000000), state(59999999)) == ("met", "not_met", "not_met")
