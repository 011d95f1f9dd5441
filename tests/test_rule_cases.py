"""Rule test cases written as YAML data (tests/rule_cases/*.yaml), run by one test.

Each case gives only the facts one rule needs and the exact points and status the
rule must produce; it runs on the durable_rules engine, the reference matcher and the fast path.
A case names its methodology (`methodology: par-department-ca-mau`); without one it is
the provincial table's. A bonus or penalty case (`adjustment: bonus|penalty`) gives
the rule's points before the methodology's cap.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from parscore import load_methodology, score
from parscore.loading import Facts, parse_fact_value
from parscore.models import Agency

CASES_DIR = Path(__file__).parent / "rule_cases"
DEFAULT = "par-province-892"


def _cases():
    for f in sorted(CASES_DIR.glob("*.yaml")):
        for i, case in enumerate(yaml.safe_load(f.read_text(encoding="utf-8"))):
            yield pytest.param(case, id=f"{f.stem}-{i}-{case['rule']}")


def _methodologies() -> list[str]:
    return sorted(p.stem for p in (Path(__file__).parents[1] / "criteria").glob("*.yaml"))


@pytest.mark.parametrize("mid", _methodologies())
def test_there_are_cases_for_every_rule(mid):
    m = load_methodology(mid)
    covered = {c.values[0]["rule"] for c in _cases() if c.values[0].get("methodology", DEFAULT) == mid}
    assert {r.id for r in m.rules.values()} | {r.id for _, r in m.adjustment_rules} <= covered


def _facts(m, case):
    values = {name: parse_fact_value(name, yaml.safe_dump(v), m) for name, v in case["facts"].items()}
    return Facts("case.yaml", Agency(code="t", name="T"), 2025, None, values)


@pytest.mark.parametrize("backend", ["durable", "reference", "fast"])
@pytest.mark.parametrize("case", list(_cases()))
def test_rule_case(case, backend):
    m = load_methodology(case.get("methodology", DEFAULT))
    card = score(m, _facts(m, case), "vi", backend)
    if "adjustment" in case:
        applied = [a for a in card.adjustments or [] if a["id"] == case["rule"]]
        assert len(applied) == 1 and applied[0]["kind"] == case["adjustment"]
        assert Decimal(applied[0]["points"]) == Decimal(str(case["points"]))
        assert applied[0]["reason"].strip()
        return
    rule = m.rules[case["item"]]
    assert rule.id == case["rule"]
    item = card.item(case["item"])
    assert (item.points, item.status) == (Decimal(str(case["points"])).quantize(Decimal("0.01")), case["status"])
    if item.status not in ("full", "not_applicable"):
        assert len(item.deductions) == 1 and item.deductions[0].points == item.max - item.points
        assert item.deductions[0].reason.strip()
