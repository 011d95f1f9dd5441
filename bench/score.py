"""Benchmark: score N fact sets in one process, durable_rules engine vs naive baseline.

Run by hand:  .venv/bin/python bench/score.py [N]

Both backends run the same compiled productions on the same fact sets, interleaved in
one run so machine noise hits both alike. Prints the median time per scorecard (the
whole `score()`: evaluation and scorecard building), the median of evaluation alone,
their ratio, and the process's memory before and after, to show that sessions leave
nothing behind (durable keeps a session's state until it is deleted).
"""
from __future__ import annotations

import random
import resource
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from parscore import load_methodology, score  # noqa: E402
from parscore.evaluation import engine_for  # noqa: E402
from parscore.loading import Facts  # noqa: E402
from parscore.models import Agency  # noqa: E402


def fact_sets(m, n: int, seed: int = 892) -> list[Facts]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        values = {}
        for name, spec in m.facts.items():
            if spec.type == "boolean":
                values[name] = rng.random() < 0.8
            elif spec.type == "count":
                values[name] = rng.randint(1, 500)
            elif spec.type == "percent":
                values[name] = Decimal(rng.randint(6000, 10000)) / 100
            elif spec.type == "number":
                values[name] = Decimal(rng.randint(100, 10**7)) / 100
        for name, spec in m.facts.items():
            if spec.part_of and name in values:
                values[name] = min(values[name], values[spec.part_of])
        out.append(Facts("bench", Agency(code=f"p{i}", name=f"P{i}"), 2025, m.id, values))
    return out


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    m = load_methodology("par-province-892")
    sets = fact_sets(m, n)
    engines = {b: engine_for(m, b) for b in ("durable", "python")}
    for b in engines:  # warm up, registering the ruleset once
        score(m, sets[0], "vi", b)
    rss_start = rss_mb()
    whole: dict[str, list[float]] = {b: [] for b in engines}
    evaluation: dict[str, list[float]] = {b: [] for b in engines}
    rss_mid = rss_start
    for i, facts in enumerate(sets):
        for b, engine in engines.items():
            t0 = time.perf_counter()
            engine.evaluate(facts)
            t1 = time.perf_counter()
            score(m, facts, "vi", b)
            t2 = time.perf_counter()
            evaluation[b].append(t1 - t0)
            whole[b].append(t2 - t1)
        if i == n // 2:
            rss_mid = rss_mb()
    rss_end = rss_mb()
    med = {b: statistics.median(v) * 1000 for b, v in whole.items()}
    med_e = {b: statistics.median(v) * 1000 for b, v in evaluation.items()}
    print(f"fact sets: {n} (each {len(m.facts)} reported facts, {len(m.rules)} rules, "
          f"{len(engines['durable'].compiled.productions)} productions)")
    print(f"median per scorecard   durable {med['durable']:.2f} ms   python {med['python']:.2f} ms   "
          f"ratio durable/python {med['durable'] / med['python']:.2f}")
    print(f"median evaluation only durable {med_e['durable']:.2f} ms   python {med_e['python']:.2f} ms   "
          f"ratio durable/python {med_e['durable'] / med_e['python']:.2f}")
    print(f"RSS MB: after warm-up {rss_start:.1f}, halfway {rss_mid:.1f}, end {rss_end:.1f}; "
          f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")


if __name__ == "__main__":
    main()
