"""Differential test: durable_rules, the Decimal reference matcher and the fast path agree on every input.

Each group of fact sets runs in a subprocess, so a crash inside durable_rules' C code
(a signal) fails the test instead of killing pytest. Groups: every catalogue fact given
alone (an agency's first, sparse draft), random sparse subsets, and extreme values
(0, 1e-9, the largest accepted, many decimals, every threshold exactly and a hair
either side of it). The fast path's plain card must also be the model's bytes. One test
breaks each engine on purpose (one item's points +0.01, or one derived value's text) and
checks that the comparison names exactly the broken engine.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from parscore import load_methodology

M = load_methodology("par-province-892")
WORKER = Path(__file__).with_name("parity_worker.py")
HAIR = Decimal("1e-12")


def _kind(name: str) -> str:
    spec = M.facts.get(name)
    return spec.type if spec is not None else "number"   # derived facts are numbers


def _ordinary(name: str) -> str:
    kind = _kind(name)
    return {"boolean": "true", "date": "2025-05-15", "count": "7"}.get(kind, "50")


def _extremes(name: str) -> list[str]:
    kind = _kind(name)
    if kind == "boolean":
        return ["true", "false"]
    if kind == "date":
        return ["2000-01-01", "2100-12-31"]
    if kind == "count":
        return ["0", "1", str(10**12)]
    spec = M.facts.get(name)
    lo = spec.min if spec is not None and spec.min is not None else Decimal(0)
    hi = Decimal(100) if kind == "percent" else (spec.max if spec is not None and spec.max is not None else Decimal(10) ** 15)
    many = Decimal("33.3333333333333333333333")
    cands = [lo, hi, Decimal("0.000000001"), Decimal(0), many, hi - Decimal("0.000000001")]
    return [format(v.normalize(), "f") for v in cands if lo <= v <= hi]


def _thresholds() -> dict[str, list[Decimal]]:
    from parscore.compiler import compile_rules
    return {n: list(ts) for n, ts in compile_rules(M).thresholds.items()}


def _near_thresholds(name: str, ts: list[Decimal]) -> list[str]:
    kind = _kind(name)
    spec = M.facts.get(name)
    lo = spec.min if spec is not None and spec.min is not None else Decimal(0)
    hi = Decimal(100) if kind == "percent" else (spec.max if spec is not None and spec.max is not None else Decimal(10) ** 15)
    out = []
    for t in ts:
        for v in (t - HAIR, t, t + HAIR) if kind != "count" else (t - 1, t, t + 1):
            if lo <= v <= hi and (kind != "count" or v == v.to_integral_value()):
                out.append(format(v.normalize(), "f"))
    return out


def _reported_and_derived() -> list[str]:
    return sorted(M.facts) + sorted(M.derived)


def _run(sets: list[dict[str, list[str]]], env: dict[str, str] | None = None) -> list[dict]:
    import os
    proc = subprocess.run([sys.executable, str(WORKER)], input=json.dumps(sets), capture_output=True,
                          text=True, timeout=600, env={**os.environ, **(env or {})})
    assert proc.returncode == 0, f"worker died (return code {proc.returncode}): {proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(lines) == len(sets)
    return lines


def _assert_same(sets: list[dict[str, list[str]]]) -> None:
    bad = [(sets[r["i"]], r) for r in _run(sets) if not r["same"]]
    assert not bad, f"{len(bad)} fact sets score differently, first: {bad[0][0]} ({bad[0][1]['differ']} differ from durable)"


@pytest.mark.parametrize("engine", ["fast", "reference", "durable"])
@pytest.mark.parametrize("how", ["points", "text"])
def test_a_broken_engine_is_caught(engine, how):
    """One item's points +0.01, or one derived value's text changed, on one engine: the check fails."""
    sets = [{"par_inspection_units_in_scope": ["count", "60"], "par_inspection_units_inspected": ["count", "20"],
             "par_annual_plan_tasks_total": ["count", "7"], "par_annual_plan_tasks_completed_on_time": ["count", "5"]}]
    [r] = _run(sets, env={"PARSCORE_PARITY_BREAK": f"{engine}:{how}"})
    assert not r["same"]
    broken = {engine} if engine != "fast" else {"fast", "fast-plain"}
    others = {"durable", "reference", "fast", "fast-plain"} - broken
    assert set(r["differ"]) == (others if engine == "durable" else broken)


def test_every_fact_alone():
    _assert_same([{n: [_kind(n), _ordinary(n)]} for n in _reported_and_derived()])


def test_every_fact_alone_at_its_extremes():
    _assert_same([{n: [_kind(n), v]} for n in _reported_and_derived() for v in _extremes(n)])


def test_thresholds_exactly_and_a_hair_either_side():
    sets = []
    for name, ts in _thresholds().items():
        for v in _near_thresholds(name, ts):
            sets.append({name: [_kind(name), v]})
    assert sets
    _assert_same(sets)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sparse_subsets(seed):
    rnd = random.Random(seed)
    names = sorted(M.facts)   # reported facts only: a derived value and its inputs together is refused
    sets = []
    for _ in range(25):
        chosen = rnd.sample(names, rnd.randint(1, 25))
        s: dict[str, list[str]] = {}
        for n in chosen:
            pool = _extremes(n) + [_ordinary(n)] + _near_thresholds(n, _thresholds().get(n, []))
            s[n] = [_kind(n), rnd.choice(pool)]
        # a part never exceeds its whole (the loader refuses that)
        for n in list(s):
            whole = M.facts[n].part_of
            if whole in s and _kind(n) == "count" and int(s[n][1]) > int(s[whole][1]):
                s[n][1] = s[whole][1]
        sets.append(s)
    _assert_same(sets)


def test_a_tiny_value_is_not_lost():
    """0.00001 % reaches the engine as that number, not as float text such as 1e-05."""
    from parscore import score
    from parscore.loading import Facts
    from parscore.models import Agency
    name = next(n for n, s in sorted(M.facts.items()) if s.type == "percent" and M.users_of(n))
    card = score(M, Facts("f.yaml", Agency(code="t", name="T"), 2025, M.id, {name: Decimal("0.00001")}))
    users = set(M.users_of(name))
    for it in card.items:
        if it.code in users and len(M.reads(M.rules[it.code])) == 1:
            assert it.status != "missing_facts", it.code
