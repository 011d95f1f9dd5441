"""An overlay corrects maxima and tiers; the scorecard shows it and the new provenance."""
from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import MINI, ROOT, run_cli
from parscore import InputError, load_facts, load_methodology, score

OVERLAY = ROOT / "tests/data/overlay/mini-official.yaml"
FACTS = ROOT / "tests/data/mini/facts-a.yaml"


def test_overlay_changes_max_tier_and_provenance():
    base = load_methodology(MINI)
    over = load_methodology(MINI, overlay=OVERLAY)
    before = score(base, load_facts(FACTS, base), "en").item("1.1.1")
    after_card = score(over, load_facts(FACTS, over), "en")
    after = after_card.item("1.1.1")
    # 25% inspected: base tiers (30 → 2, 20 → 1) give 1 of 2; the official tier (25 → 3) gives 3 of 3
    assert (before.points, before.max, before.provenance, before.rule_provenance) == (
        Decimal("1.00"), Decimal(2), "reconstructed", "plan-126")
    assert (after.points, after.max, after.provenance, after.rule_provenance) == (
        Decimal("3.00"), Decimal(3), "official", "official")
    assert after_card.item("2.1.1").max == Decimal(1)
    assert after_card.overlay == "Bảng 2 chính thức (thử) (mini-official.yaml)"
    assert over.rules["1.1.1"].citation == "QĐ 892/QĐ-BNV, Bảng 2 (bản giấy do Sở Nội vụ lưu)"
    assert after_card.methodology["digest"] != score(base, load_facts(FACTS, base)).methodology["digest"]


def test_overlay_is_shown_on_the_scorecard():
    result = run_cli("score", str(FACTS), "--overlay", str(OVERLAY), "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "Overlay applied      Bảng 2 chính thức (thử) (mini-official.yaml)" in result.stdout
    assert "items with official, cited numbers: 2." in result.stdout


def test_overlay_breaking_a_sum_is_rejected(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text('overlay: "x"\ncitation: "y"\nitems:\n  "1.1.1": {max: 3}\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_methodology(MINI, overlay=bad)
    assert [str(p) for p in exc.value.problems] == [
        f"{MINI}:7: appraisal_total: sub-criteria scored by appraisal add up to 9, but appraisal_total says 8 [PS033]",
        f"{MINI}:22: 1.1.max: sub-criteria of 1.1 add up to 4, but its max is 3 [PS032]"]


def test_overlay_naming_an_unknown_item(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text('overlay: "x"\ncitation: "y"\nitems:\n  "9.9.9": {max: 3}\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_methodology(MINI, overlay=bad)
    assert [str(p) for p in exc.value.problems] == [f"{bad}:4: items.9.9.9: no item '9.9.9' in the base methodology [PS101]"]


@pytest.mark.parametrize("engine", ["durable", "reference", "fast"])
def test_a_rule_the_overlay_restates_is_traced_to_the_overlay(engine):
    """The trace sent an auditor to the base rules file's tiers (30 → 2, 20 → 1) for an item the
    overlay's tier (25 → 3) had judged; a rule the overlay leaves alone keeps its own file."""
    over = load_methodology(MINI, overlay=OVERLAY)
    card = score(over, load_facts(FACTS, over), "en", engine)
    assert [(t.rule, t.location) for t in card.item("1.1.1").trace] == [
        ("derive:inspection_coverage", "rules/all.yaml:45"), ("coverage#tier-1", "mini-official.yaml:11")]
    assert card.item("1.1.1").points == Decimal("3.00")
    assert [t.location for t in card.item("1.2.1").trace][-1] == "rules/all.yaml:84"
