"""The scoring kinds' registry: a kind lacking a part is refused when it is registered
(at import of the module registering it), and a kind defined here, outside the package,
scores a methodology on every engine, is explained and is planned, with no edit elsewhere."""
from __future__ import annotations

import shutil
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Literal

import pytest
from pydantic import Field

from parscore import load_methodology, score
from parscore import kinds
from parscore.errors import InputError
from parscore.kinds.base import DEFINED, REQUIRED_PARTS, CheckContext, Kind, Outcome, Pattern, Spec, plain
from parscore.loading import Facts
from parscore.models import Agency, Num

MINI = Path(__file__).parent / "data" / "mini"


class PerUnitScore(Spec):
    """A toy kind: `per` points for each unit of a count, up to the item's maximum."""

    kind: Literal["per_unit"]
    fact: str
    per: Num = Field(gt=0)


class PerUnit(Kind):
    spec = PerUnitScore

    def check(self, score: PerUnitScore, ctx: CheckContext) -> None:
        if ctx.fact_type != "count":
            ctx.add(("score", "fact"), f"kind 'per_unit' counts units; '{score.fact}' is {ctx.fact_type}", "PS500")

    def outcomes(self, score: PerUnitScore, m: Any) -> list[Outcome]:
        return [("score", None, (Pattern(score.fact, (DEFINED,)),))]

    def award(self, score: PerUnitScore, leaf_max: Decimal, tier: int | None, value: Any) -> Decimal:
        return score.per * Decimal(value)

    def thresholds(self, score: PerUnitScore, tier: int | None) -> dict[str, str]:
        return {"per": plain(score.per)}

    def threshold_lines(self, score: PerUnitScore, reached: str | None, lang: str,
                        num: Callable[[Decimal], str], lab: Callable[[str], str]) -> list[str]:
        return [f"{'mỗi đơn vị' if lang == 'vi' else 'per unit'}: {num(score.per)}"]

    def reason_context(self, score: PerUnitScore, ctx: dict[str, str], tier: int | None, lang: str) -> None:
        ctx["each"] = plain(score.per)

    def targets(self, score: PerUnitScore, planner: Any, code: str) -> list[tuple[Any, str]]:
        return [(planner.m.leaves[code].max / score.per, "full")]


TOY_RULE = """  - id: violations
    item: "1.2.2"
    provenance: reconstructed
    shows: [violations]
    score: {kind: per_unit, fact: units_inspected, per: 0.25}
    explain:
      vi: "{value} đơn vị được kiểm tra, {each} điểm mỗi đơn vị."
      en: "{value} units inspected, {each} points each."
"""


@pytest.fixture
def toy(tmp_path):
    """The mini methodology with item 1.2.2 scored by the toy kind, registered for this test only."""
    kinds.register(PerUnit)
    try:
        shutil.copytree(MINI, tmp_path / "mini")
        rules = tmp_path / "mini" / "rules" / "all.yaml"
        text = rules.read_text(encoding="utf-8")
        start = text.index("  - id: violations")
        end = text.index("  - id: disbursement")
        rules.write_text(text[:start] + TOY_RULE + text[end:], encoding="utf-8")
        yield load_methodology(tmp_path / "mini" / "mini.yaml")
    finally:
        kinds.unregister(PerUnit)


BASE = {"units_in_scope": 40, "units_inspected": 12, "issues_found": 5, "issues_handled": 5,
        "plan_issued": True, "violations": 0, "disbursement_rate": Decimal(100), "satisfaction": Decimal(100)}


def _facts(**changes: Any) -> Facts:
    return Facts("test.yaml", Agency(code="t", name="T"), 2025, "mini", {**BASE, **changes})


@pytest.mark.parametrize("backend", ["durable", "reference", "fast"])
@pytest.mark.parametrize("inspected,points,status", [(12, "2.00", "full"), (8, "2.00", "full"),
                                                     (6, "1.50", "partial"), (0, "0.00", "zero")])
def test_a_kind_defined_in_a_test_scores_on_every_engine(toy, backend, inspected, points, status):
    item = score(toy, _facts(units_inspected=inspected), "vi", backend).item("1.2.2")
    assert (str(item.points), item.status) == (points, status)
    if status != "full":
        d = item.deductions[0]
        assert d.reason == f"{inspected} đơn vị được kiểm tra, 0.25 điểm mỗi đơn vị."
        assert d.thresholds == {"per": "0.25"}
        assert d.points == Decimal(2) - item.points


def test_a_kind_defined_in_a_test_is_explained_and_planned(toy):
    from parscore.planner import Planner
    from parscore.reporting import threshold_lines

    assert threshold_lines(toy.rules["1.2.2"], None, "vi") == ["mỗi đơn vị: 0,25"]
    assert threshold_lines(toy.rules["1.2.2"], None, "en") == ["per: 0.25"]
    planner = Planner(toy, _facts(units_inspected=6), "vi", None)
    assert ("1.2.2", "units_inspected", 8, "full") in planner.candidates()


def test_a_kind_defined_in_a_test_runs_its_own_load_checks(toy, tmp_path):
    shutil.copytree(tmp_path / "mini", tmp_path / "bad")
    rules = tmp_path / "bad" / "rules" / "all.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("fact: units_inspected, per:", "fact: plan_issued, per:"),
                     encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_methodology(tmp_path / "bad" / "mini.yaml")
    assert [(p.code, p.message) for p in err.value.problems] == [
        ("PS500", "kind 'per_unit' counts units; 'plan_issued' is boolean")]


def test_an_unregistered_kind_is_refused_with_the_registered_ones_named(tmp_path):
    shutil.copytree(MINI, tmp_path / "mini")
    rules = tmp_path / "mini" / "rules" / "all.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text[:text.index("  - id: violations")] + TOY_RULE + text[text.index("  - id: disbursement"):],
                     encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_methodology(tmp_path / "mini" / "mini.yaml")
    [p] = err.value.problems
    assert p.code == "PS044" and p.field == "rules.violations.score"
    assert p.message == ("Input tag 'per_unit' found using 'kind' does not match any of the expected tags: 'tiers', "
                         "'boolean', 'proportional', 'per_occurrence', 'survey', 'increase', 'decrease', 'at_least_baseline'")


def test_every_builtin_kind_is_registered_by_its_yaml_names():
    assert kinds.names() == ("tiers", "boolean", "proportional", "per_occurrence", "survey",
                             "increase", "decrease", "at_least_baseline")
    assert {type(k).__module__.rsplit(".", 1)[1] for k in kinds.KINDS.values()} == {
        "tiers", "boolean", "proportional", "per_occurrence", "survey", "compare"}


def _without(part: str) -> type[Kind]:
    return type("Broken", (Kind,), {k: v for k, v in PerUnit.__dict__.items() if k != part})


@pytest.mark.parametrize("part", REQUIRED_PARTS)
def test_a_kind_lacking_a_part_is_refused_when_registered(part):
    with pytest.raises(TypeError, match=f"scoring kind Broken lacks {part}; every kind defines "):
        kinds.register(_without(part))
    assert "per_unit" not in kinds.KINDS


def test_the_required_parts_are_these():
    assert REQUIRED_PARTS == ("spec", "award", "check", "outcomes", "reason_context", "targets",
                              "threshold_lines", "thresholds")


def test_a_module_registering_an_incomplete_kind_fails_at_import(tmp_path, monkeypatch):
    (tmp_path / "broken_kind.py").write_text(
        "from parscore import kinds\n"
        "from parscore.kinds.survey import Survey\n"
        "class Broken(kinds.Kind):\n"
        "    spec = Survey.spec\n"
        "    check = Survey.check\n"
        "kinds.register(Broken)\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TypeError, match="lacks award, outcomes, reason_context, targets, threshold_lines, thresholds"):
        __import__("broken_kind")
    sys.modules.pop("broken_kind", None)
    assert set(kinds.names()) == {"tiers", "boolean", "proportional", "per_occurrence", "survey",
                                  "increase", "decrease", "at_least_baseline"}
