"""Differential test: durable_rules, the Decimal reference matcher and the fast path agree on every input.

Every group of fact sets is scored in a worker process (tests/parity_worker.py, one for
the whole module, restarted after a death), so a crash inside durable_rules' C code (a
signal) fails the test instead of killing pytest. Groups: every catalogue fact given
alone (an agency's first, sparse draft), random sparse subsets, and extreme values
(0, 1e-9, the largest accepted, many decimals, every threshold exactly and a hair
either side of it). The fast path's plain card must also be the model's bytes. One test
breaks each engine on purpose (one item's points +0.01, or one derived value's text) and
checks that the comparison names exactly the broken engine.
"""
from __future__ import annotations

import functools
import json
import queue
import random
import subprocess
import sys
import tempfile
import threading
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


@functools.cache
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


class Worker:
    """The parity worker process, serving one request (a group of fact sets) at a time."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None

    def _start(self) -> None:
        self.err = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, text=True, encoding="utf-8")
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc, self.lines), daemon=True).start()

    @staticmethod
    def _read(proc: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
        for line in proc.stdout:   # type: ignore[union-attr]
            lines.put(line)
        lines.put("")   # end of output: the process ended

    def _stderr(self) -> str:
        self.err.seek(0)
        return self.err.read()

    def run(self, sets: list[dict[str, list[str]]], brk: str | None = None) -> list[dict]:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"break": brk, "sets": sets}) + "\n")
        self.proc.stdin.flush()
        results: list[dict] = []
        while True:
            try:
                line = self.lines.get(timeout=600)
            except queue.Empty:
                self.close()
                raise AssertionError("worker hung (no answer in 600 s)") from None
            if not line:
                code = self.proc.wait()
                self.proc = None
                raise AssertionError(f"worker died (return code {code}): {self._stderr()[-2000:]}")
            r = json.loads(line)
            if "done" in r:
                break
            results.append(r)
        assert "Traceback" not in self._stderr(), self._stderr()[-2000:]
        assert len(results) == len(sets) == r["done"]
        assert not [x for x in results if "full_disagrees" in x], "compact and full JSON comparisons disagree"
        return results

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.close()


def _run(worker: Worker, sets: list[dict[str, list[str]]], brk: str | None = None) -> list[dict]:
    return worker.run(sets, brk)


def _assert_same(worker: Worker, sets: list[dict[str, list[str]]]) -> None:
    bad = [(sets[r["i"]], r) for r in _run(worker, sets) if not r["same"]]
    assert not bad, f"{len(bad)} fact sets score differently, first: {bad[0][0]} ({bad[0][1]['differ']} differ from durable)"


@pytest.mark.parametrize("engine", ["fast", "reference", "durable"])
@pytest.mark.parametrize("how", ["points", "text"])
def test_a_broken_engine_is_caught(worker, engine, how):
    """One item's points +0.01, or one derived value's text changed, on one engine: the check fails,
    on the compact comparison alone (the second set) as on the full bytes (the first)."""
    sets = 2 * [{"par_inspection_units_in_scope": ["count", "60"], "par_inspection_units_inspected": ["count", "20"],
             "par_annual_plan_tasks_total": ["count", "7"], "par_annual_plan_tasks_completed_on_time": ["count", "5"]}]
    broken = {engine} if engine != "fast" else {"fast", "fast-plain"}
    others = {"durable", "reference", "fast", "fast-plain"} - broken
    for r in _run(worker, sets, brk=f"{engine}:{how}"):
        assert not r["same"]
        assert set(r["differ"]) == (others if engine == "durable" else broken)
    assert all(r["same"] for r in _run(worker, sets)), "the break lasts for its request only"


# The large groups are split in PARTS interleaved slices, so parallel test workers share them.
PARTS = 4


def test_every_fact_alone(worker):
    _assert_same(worker, [{n: [_kind(n), _ordinary(n)]} for n in _reported_and_derived()])


@pytest.mark.parametrize("part", range(PARTS))
def test_every_fact_alone_at_its_extremes(worker, part):
    sets = [{n: [_kind(n), v]} for n in _reported_and_derived() for v in _extremes(n)]
    assert len(sets) > 4 * len(_reported_and_derived())
    _assert_same(worker, sets[part::PARTS])


@pytest.mark.parametrize("part", range(PARTS))
def test_thresholds_exactly_and_a_hair_either_side(worker, part):
    sets = []
    for name, ts in _thresholds().items():
        for v in _near_thresholds(name, ts):
            sets.append({name: [_kind(name), v]})
    assert len(sets) > PARTS
    _assert_same(worker, sets[part::PARTS])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sparse_subsets(worker, seed):
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
    _assert_same(worker, sets)


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
