"""Every scoring kind, on a small methodology, with exact points and exact reasons."""
from __future__ import annotations

from decimal import Decimal

import pytest

from parscore import score
from parscore.loading import Facts
from parscore.models import Agency

BASE = {
    "units_in_scope": 40, "units_inspected": 12, "issues_found": 5, "issues_handled": 5,
    "plan_issued": True, "violations": 0, "disbursement_rate": Decimal(100), "satisfaction": Decimal(100),
}


def facts(**changes):
    values = {**BASE, **changes}
    values = {k: v for k, v in values.items() if v is not None}
    return Facts("test.yaml", Agency(code="t", name="T"), 2025, "mini", values)


@pytest.mark.parametrize("backend", ["durable", "reference", "fast"])
@pytest.mark.parametrize("changes,code,points,status,reason", [
    ({}, "1.1.1", "2.00", "full", None),
    ({"units_inspected": 10}, "1.1.1", "1.00", "partial", "Kiểm tra 25% (10/40); cần từ 30%."),
    ({"units_inspected": 8}, "1.1.1", "1.00", "partial", "Kiểm tra 20% (8/40); cần từ 30%."),
    ({"units_inspected": 7}, "1.1.1", "0.00", "zero", "Kiểm tra 17,5% (7/40); cần từ 30%."),
    ({"issues_found": 0, "issues_handled": 0}, "1.1.2", "1", "full", None),   # did not arise: full points
    ({"issues_handled": 4}, "1.1.2", "0.50", "partial", "Xử lý 80% vấn đề; cần 100%."),
    ({"plan_issued": False}, "1.2.1", "0.00", "zero", "Chưa ban hành kế hoạch."),
    ({"violations": 3}, "1.2.2", "0.50", "partial", "3 vi phạm, trừ 0,5 điểm mỗi vi phạm."),
    ({"violations": 9}, "1.2.2", "0.00", "zero", "9 vi phạm, trừ 0,5 điểm mỗi vi phạm."),
    ({"disbursement_rate": Decimal(75)}, "2.1.1", "1.00", "partial", "Giải ngân 75%; đạt tối đa khi 100%."),
    ({"disbursement_rate": Decimal(40)}, "2.1.1", "0.00", "zero", "Giải ngân 40%; đạt tối đa khi 100%."),
    ({"satisfaction": Decimal("86.42")}, "2.1.2", "1.72", "partial", "Tỷ lệ hài lòng 86,42%."),
])
def test_kind(mini, backend, changes, code, points, status, reason):
    card = score(mini, facts(**changes), "vi", backend)
    item = card.item(code)
    assert (str(item.points), item.status) == (points, status)
    assert [d.reason for d in item.deductions] == ([reason] if reason else [])
    if reason:
        assert item.deductions[0].points == item.max - item.points
        assert item.deductions[0].rule == item.rule


def test_english_reason(mini):
    card = score(mini, facts(units_inspected=10), "en")
    assert card.item("1.1.1").deductions[0].reason == "Inspected 25% (10/40); 30% needed."


def test_missing_fact_is_visible_not_zero(mini):
    card = score(mini, facts(units_inspected=None))
    item = card.item("1.1.1")
    assert item.status == "missing_facts"
    assert item.points == 0
    assert item.deductions[0].points == Decimal(2)
    assert item.deductions[0].reason == (
        "Thiếu số liệu, chưa chấm được (tính 0 điểm): cần cung cấp units_inspected (Số đơn vị được kiểm tra).")
    assert card.summary.by_status["missing_facts"] == 1
    assert card.applicable_max == Decimal(10)  # missing items stay in the denominator


def test_a_situation_that_did_not_arise_scores_full_points_and_keeps_the_maximum(mini):
    card = score(mini, facts(issues_found=0, issues_handled=0, plan_issued=False))
    item = card.item("1.1.2")
    assert (item.points, item.status, item.deductions) == (Decimal(1), "full", [])
    assert item.reason == ("Tình huống không phát sinh trong năm (issues_found = 0), nên được tối đa 1 điểm; "
                           "điểm tối đa của lĩnh vực không bị giảm.")
    assert score(mini, facts(issues_found=0, issues_handled=0), "en").item("1.1.2").reason == (
        "The situation did not arise this year (issues_found = 0), so the item earns its full 1 points; "
        "the field's maximum never shrinks.")
    assert card.applicable_max == card.max == Decimal(10)
    assert (card.total, card.index, card.group) == (Decimal(9), Decimal("90.00"), "A")
    assert item.trace[-1].kind == "not_applicable" and item.trace[-1].output == "1"


def _mini_with(tmp_path, rule_extra: str):
    """A copy of mini whose follow-up rule carries extra lines (a policy, a citation)."""
    import shutil

    from conftest import MINI
    from parscore import load_methodology

    shutil.copytree(MINI.parent, tmp_path / "m")
    rules = tmp_path / "m" / "rules"
    for f in rules.glob("*.yaml"):
        text = f.read_text(encoding="utf-8")
        if "not_applicable_when: {fact: issues_found, equals: 0}" in text:
            f.write_text(text.replace("    not_applicable_when: {fact: issues_found, equals: 0}",
                                      "    not_applicable_when: {fact: issues_found, equals: 0}\n" + rule_extra), encoding="utf-8")
    return load_methodology(tmp_path / "m" / MINI.name)


def test_not_applicable_leaves_the_denominator_only_when_the_rule_cites_it(tmp_path):
    m = _mini_with(tmp_path, '    when_not_arising: not_applicable\n    citation: "Guidance §4: no issue found, item not scored"\n')
    card = score(m, facts(issues_found=0, issues_handled=0, plan_issued=False))
    assert card.item("1.1.2").status == "not_applicable"
    assert card.applicable_max == Decimal(9)
    assert card.total == Decimal(8)
    assert card.index == Decimal("88.89")
    assert card.group == "B"


def test_not_applicable_without_a_citation_is_refused(tmp_path):
    from parscore import InputError

    with pytest.raises(InputError) as exc:
        _mini_with(tmp_path, "    when_not_arising: not_applicable\n")
    assert [p.code for p in exc.value.problems] == ["PS302"]
    assert "only with a citation" in exc.value.problems[0].message


def test_zero_denominator_is_explained(mini):
    card = score(mini, facts(units_in_scope=0, units_inspected=0))
    item = card.item("1.1.1")
    assert item.status == "zero"
    assert item.deductions[0].reason == (
        "Không tính được inspection_coverage vì units_in_scope bằng 0 (tính 0 điểm); kiểm tra lại số liệu.")


def test_trace_names_the_productions(mini):
    item = score(mini, facts(units_inspected=10)).item("1.1.1")
    assert [(s.rule, s.kind, s.output) for s in item.trace] == [
        ("derive:inspection_coverage", "derive", "25"), ("coverage#tier-2", "score", "1")]


def test_full_card_totals(mini):
    card = score(mini, facts())
    assert (card.total, card.index, card.group) == (Decimal(10), Decimal("100.00"), "A")
    assert [(f.code, f.points, f.index) for f in card.fields] == [
        ("1", Decimal(6), Decimal("100.00")), ("2", Decimal(4), Decimal("100.00"))]


def test_many_sessions_share_one_ruleset_and_leave_no_state(mini):
    from parscore.evaluation import DurableBackend, engine_for

    engine = engine_for(mini)
    name = engine.backend.name
    for i in range(300):
        score(mini, facts(units_inspected=i % 41))
    assert engine_for(mini) is engine and engine.backend.name == name
    assert engine.backend._open == {}
    host = DurableBackend._host
    with pytest.raises(Exception):
        host.get_state(name, "1")  # deleted after its session


def test_a_comparison_shows_its_own_threshold_line_in_vietnamese(par892):
    """`explain` in Vietnamese once showed the survey formula for a comparison item."""
    from types import SimpleNamespace

    from parscore.models import CompareScore
    from parscore.reporting import threshold_lines

    assert threshold_lines(par892.rules["6.3.2"], None, "vi") == [
        "so sánh: budget_spu_direct_spending_year < budget_spu_direct_spending_2021"]
    assert threshold_lines(par892.rules["6.3.2"], None, "en") == [
        "compare: budget_spu_direct_spending_year < budget_spu_direct_spending_2021"]
    last_year = SimpleNamespace(score=CompareScore(kind="at_least_baseline", fact="x"))
    assert threshold_lines(last_year, None, "vi") == ["so sánh: x >= x (năm trước)"]
    assert threshold_lines(last_year, None, "en") == ["compare: x >= x (baseline)"]


def test_a_comparison_kinds_unknown_field_is_located_without_the_kind_in_the_path(tmp_path):
    """The field path leaves out the union's tag for every registered kind (it once read
    `rules.violations.score.decrease.each` for the compare kinds)."""
    import shutil
    from pathlib import Path

    from parscore import load_methodology
    from parscore.errors import InputError

    shutil.copytree(Path(__file__).parent / "data" / "mini", tmp_path / "mini")
    rules = tmp_path / "mini" / "rules" / "all.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        "score: {kind: per_occurrence, fact: violations, each: 0.5, floor: 0}",
        "score: {kind: decrease, fact: violations, each: 0.5}"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_methodology(tmp_path / "mini" / "mini.yaml")
    assert [(p.line, p.field, p.message, p.code) for p in err.value.problems] == [
        (94, "rules.violations.score.each", "unknown field; check the spelling", "PS044")]


@pytest.mark.parametrize("backend", ["durable", "reference", "fast"])
@pytest.mark.parametrize("changes,points,status,reason", [
    ({"violations": 3}, "2.00", "full", None),
    ({"violations": 40}, "0.00", "zero", "40 vi phạm, mức so sánh 40 (thay đổi 0)."),
    ({"violations": 41}, "0.00", "zero", "41 vi phạm, mức so sánh 40 (thay đổi +1)."),
    ({"violations": 41, "issues_found": 0, "issues_handled": 0}, "2", "full", None),   # did not arise
])
def test_a_comparison_behind_a_not_applicable_guard_on_every_engine(tmp_path, backend, changes, points, status, reason):
    import shutil
    from pathlib import Path

    from parscore import load_methodology

    shutil.copytree(Path(__file__).parent / "data" / "mini", tmp_path / "mini")
    rules = tmp_path / "mini" / "rules" / "all.yaml"
    text = rules.read_text(encoding="utf-8")
    start, end = text.index("  - id: violations"), text.index("  - id: disbursement")
    rules.write_text(text[:start] + """  - id: violations
    item: "1.2.2"
    provenance: reconstructed
    not_applicable_when: {fact: issues_found, equals: 0}
    score: {kind: decrease, fact: violations, than: units_in_scope}
    explain:
      vi: "{violations} vi phạm, mức so sánh {baseline} (thay đổi {change})."
      en: "{violations} violations against {baseline} ({change})."
""" + text[end:], encoding="utf-8")
    m = load_methodology(tmp_path / "mini" / "mini.yaml")
    item = score(m, facts(**changes), "vi", backend).item("1.2.2")
    assert (str(item.points), item.status) == (points, status)
    assert [d.reason for d in item.deductions] == ([reason] if reason else [])
