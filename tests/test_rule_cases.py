"""Rule test cases written as YAML data (tests/rule_cases/*.yaml), run by one test.

Each case gives only the facts one rule needs and the exact points and status the
rule must produce; it runs on the durable_rules engine, the reference matcher and the fast path.
A case names its methodology (`methodology: par-department-ca-mau`); without one it is
the provincial table's. A bonus or penalty case (`adjustment: bonus|penalty`) gives
the rule's points before the methodology's cap.

Every case has a `name:`, unique across the files, used as its pytest id (as sqlfluff's
YAML test cases are named): `[METHODOLOGY/]RULE/FACT=VALUE[+FACT=VALUE]`, so
`pytest tests/test_rule_cases.py -k egov-shared-databases` runs one rule's cases and a
failure names the case to open.
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


def _raw_cases() -> list[tuple[str, int, dict]]:
    """(file stem, position, case) for every case in every file."""
    return [(f.stem, i, case) for f in sorted(CASES_DIR.glob("*.yaml"))
            for i, case in enumerate(yaml.safe_load(f.read_text(encoding="utf-8")))]


def _cases():
    for stem, i, case in _raw_cases():
        # a case without a name still runs, under a stand-in id; test_every_case_has_a_unique_name fails for it
        yield pytest.param(case, id=case.get("name") or f"{stem}-{i}-UNNAMED")


def test_every_case_has_a_unique_name():
    unnamed = [f"{stem}.yaml case {i + 1} ({case.get('rule')})" for stem, i, case in _raw_cases()
               if not isinstance(case.get("name"), str) or not case["name"].strip()]
    assert not unnamed, f"cases without a `name:` (write one, e.g. RULE/FACT=VALUE): {unnamed}"
    names = [case["name"] for _, _, case in _raw_cases()]
    assert len(names) >= 500
    repeated = sorted({n for n in names if names.count(n) > 1})
    assert not repeated, f"case names used twice: {repeated}"
    assert not [n for n in names if n != n.strip() or "\n" in n], "a name is one line without outer spaces"


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
