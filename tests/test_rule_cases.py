"""Rule test cases written as YAML data (tests/rule_cases/*.yaml), run by one test.

Each case gives only the facts one rule needs and the exact points and status the
rule must produce; it runs on the durable_rules engine, the reference matcher and the fast path.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from parscore import score
from parscore.loading import Facts, parse_fact_value
from parscore.models import Agency

CASES_DIR = Path(__file__).parent / "rule_cases"


def _cases():
    for f in sorted(CASES_DIR.glob("*.yaml")):
        for i, case in enumerate(yaml.safe_load(f.read_text(encoding="utf-8"))):
            yield pytest.param(case, id=f"{f.stem}-{i}-{case['rule']}")


def test_there_are_cases_for_every_rule(par892):
    covered = {c.values[0]["rule"] for c in _cases()}
    assert {r.id for r in par892.rules.values()} <= covered


@pytest.mark.parametrize("backend", ["durable", "reference", "fast"])
@pytest.mark.parametrize("case", list(_cases()))
def test_rule_case(par892, case, backend):
    rule = par892.rules[case["item"]]
    assert rule.id == case["rule"]
    values = {name: parse_fact_value(name, yaml.safe_dump(v), par892) for name, v in case["facts"].items()}
    card = score(par892, Facts("case.yaml", Agency(code="t", name="T"), 2025, None, values), "vi", backend)
    item = card.item(case["item"])
    assert (item.points, item.status) == (Decimal(str(case["points"])).quantize(Decimal("0.01")), case["status"])
    if item.status not in ("full", "not_applicable"):
        assert len(item.deductions) == 1 and item.deductions[0].points == item.max - item.points
        assert item.deductions[0].reason.strip()
