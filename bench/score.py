"""Benchmark: the three engines, the projection and batch scoring, in one run.

Run by hand:  .venv/bin/python bench/score.py [N] [--memory CARDS] [--block K] [--markdown]

- N generated fact sets (default 500) are scored on durable_rules, the reference matcher
  and the fast path, taking turns by blocks of K fact sets (default 10; the first engine
  rotates) so machine noise hits all alike while each engine runs many cards in a row, as
  a batch or a projection runs it (`--block 1` alternates on every card, which also
  charges each engine for the CPU caches the others emptied). Medians per card of:
  evaluation alone; the full scorecard as plain data (`score_data`: evaluation and every
  item, reason and sum: what batch scoring and JSON output use); and the validated
  pydantic `Scorecard` (`score`: what the library returns). Ratios against durable.
- memory: the resident set size while scoring CARDS cards on the fast path in this
  process (default 20,000; `--memory 100000` for the goal's figure), sampled at the
  start, a quarter, half, three quarters and the end.
- `project` on the Cà Mau fixture: 10,000 samples (all 22 survey facts drawn).
- batch: N cards (at least 2,000) as JSON Lines through `run_batch` on all cores (fast
  engine), cards/s, the median of 3 runs each: written to a new file as `score --batch -o`
  writes them, and to /dev/null, the same work without the file system storing the lines
  (on this virtual machine the kernel takes 0.05–0.2 ms to store a card's ~115 KB line,
  depending on the memory it finds; measured in the README).

The machine's load average (start and end of the run) is printed with the numbers: on a
shared machine the medians are only comparable at a similar load.

`--markdown` prints the README's benchmark table. Timings are never asserted in tests.
"""
from __future__ import annotations

import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from parscore import load_facts, load_methodology, score  # noqa: E402
from parscore.batch import jobs_of, run_batch  # noqa: E402
from parscore.evaluation import engine_for  # noqa: E402
from parscore.loading import Facts  # noqa: E402
from parscore.loading.facts import find_contradictions  # noqa: E402
from parscore.models import Agency  # noqa: E402
from parscore.projection import load_baseline, load_spreads, project  # noqa: E402
from parscore.scorecard import score_data  # noqa: E402

ENGINES = ("durable", "reference", "fast")


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
        consistent(m, values)
        out.append(Facts("bench", Agency(code=f"p{i}", name=f"P{i}"), 2025, m.id, values))
    return out


def consistent(m, values: dict) -> None:
    """Make the drawn facts agree with the rules files' constraints (a batch refuses a
    contradiction, so a contradictory set would measure an error message, not a card):
    the last fact of a constraint's sum takes up the difference."""
    for con in m.fact_constraints:
        relation, other = con.relation
        left = sum(values[n] for n in con.sum)
        right = sum(values[n] for n in other)
        if (relation == "at_least" and left < right) or (relation == "at_most" and left > right) \
                or (relation == "equals" and left != right):
            values[con.sum[-1]] += right - left
    assert not find_contradictions(values, m, "bench"), "the bench's facts contradict a constraint"


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def medians(m, sets: list[Facts], block: int = 10) -> dict[str, dict[str, float]]:
    """Per engine, the medians of evaluation, plain card and model card, in ms. Engines take
    turns by blocks of `block` fact sets (the first engine rotating from block to block), so
    a change in the machine's load hits all three alike while each engine runs as it is used,
    on many cards in a row (a batch, a projection); `block=1` alternates on every card, which
    also charges each engine for refilling the CPU caches the others emptied."""
    engines = {b: engine_for(m, b) for b in ENGINES}
    for b in engines:  # warm up: rulesets registered, closures built, card skeleton cached
        score(m, sets[0], "vi", b)
        score(m, sets[1 % len(sets)], "vi", b)   # a plan's generated parts are made on its second card
    times: dict[str, dict[str, list[float]]] = {b: {"eval": [], "plain": [], "model": []} for b in engines}
    order = list(engines)
    for n, start in enumerate(range(0, len(sets), block)):
        turn = order[n % len(order):] + order[:n % len(order)]
        for b in turn:
            engine = engines[b]
            for facts in sets[start:start + block]:
                t0 = time.perf_counter()
                engine.evaluate(facts)
                t1 = time.perf_counter()
                score_data(m, facts, "vi", b)
                t2 = time.perf_counter()
                score(m, facts, "vi", b)
                t3 = time.perf_counter()
                times[b]["eval"].append(t1 - t0)
                times[b]["plain"].append(t2 - t1)
                times[b]["model"].append(t3 - t2)
    return {b: {k: statistics.median(v) * 1000 for k, v in d.items()} for b, d in times.items()}


def memory(m, cards: int) -> list[tuple[int, float]]:
    sets = fact_sets(m, 200, seed=7)
    marks = {0, cards // 4, cards // 2, 3 * cards // 4, cards - 1}
    out = []
    for i in range(cards):
        score_data(m, sets[i % len(sets)], "vi", "fast")
        if i in marks:
            out.append((i + 1, rss_mb()))
    return out


def projection_seconds(m) -> float:
    facts = load_facts(ROOT / "fixtures/ca-mau-2025/weaknesses.yaml", m)
    base = load_baseline(ROOT / "fixtures/ca-mau-2024.yaml", m)
    spreads = load_spreads(m)
    project(m, facts, base, spreads, samples=10, redraw=True)   # engine compiled once, as in a run
    t = time.perf_counter()
    project(m, facts, base, spreads, samples=10_000, seed=892, redraw=True)
    return time.perf_counter() - t


def batch_rate(m, n: int, rounds: int = 3) -> tuple[dict[str, float], int, float]:
    """Cards/s of `run_batch` over n JSON Lines inputs on all cores (fast engine), the median of
    `rounds` runs each: written to a new file (as `score --batch -o` writes them), and to
    /dev/null (the same work without the file system's cost of storing ~115 KB per card);
    and the bytes per card."""
    runs: dict[str, list[float]] = {"file": [], "null": []}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        with open(src, "w", encoding="utf-8") as fh:
            for f in fact_sets(m, n, seed=11):
                doc = {"agency": {"code": f.agency.code, "name": f.agency.name}, "year": f.year, "methodology": m.id,
                       "facts": {k: (v if isinstance(v, (bool, int)) else float(v)) for k, v in f.values.items()}}
                fh.write(json.dumps(doc) + "\n")
        jobs = jobs_of(str(src))
        workers = os.cpu_count() or 1
        size = 0.0
        for _ in range(rounds):
            for target in ("file", "null"):
                path = Path(tmp) / "out.jsonl" if target == "file" else Path(os.devnull)
                t = time.perf_counter()
                with open(path, "wb") as out:
                    done = sum(1 for r in run_batch(jobs, engine="fast", workers=workers, out=out) if r.line is not None)
                runs[target].append(done / (time.perf_counter() - t))
                if target == "file":
                    size = path.stat().st_size / max(1, done)
                    path.unlink()
        return {k: statistics.median(v) for k, v in runs.items()}, workers, size


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 500
    cards = int(sys.argv[sys.argv.index("--memory") + 1]) if "--memory" in sys.argv else 20_000
    block = int(sys.argv[sys.argv.index("--block") + 1]) if "--block" in sys.argv else 10
    m = load_methodology("par-province-892")
    sets = fact_sets(m, n)
    load_before = os.getloadavg()
    med = medians(m, sets, block)
    mem = memory(m, cards)
    proj = projection_seconds(m)
    rates, workers, line = batch_rate(m, max(n, 2000))
    load_after = os.getloadavg()
    load = (f"load average (1, 5, 15 min) {', '.join(f'{x:.2f}' for x in load_before)} at the start, "
            f"{', '.join(f'{x:.2f}' for x in load_after)} at the end, {os.cpu_count()} cores")
    d, r, f = med["durable"], med["reference"], med["fast"]
    print(f"fact sets: {n} (each {len(m.facts)} reported facts, {len(m.rules)} rules, "
          f"{len(engine_for(m, 'fast').compiled.productions)} productions); medians in ms")
    print(f"{'':28}{'durable':>10}{'reference':>11}{'fast':>9}{'durable/fast':>14}{'reference/fast':>16}")
    for key, label in (("eval", "evaluation only"), ("plain", "scorecard (plain data)"), ("model", "scorecard (pydantic model)")):
        print(f"{label:28}{d[key]:>10.3f}{r[key]:>11.3f}{f[key]:>9.3f}{d[key] / f[key]:>14.1f}{r[key] / f[key]:>16.1f}")
    print("memory, fast path, one process: " + ", ".join(f"{c:,} cards {mb:.1f} MB" for c, mb in mem))
    print(f"project: 10,000 samples in {proj:.2f} s")
    print(f"batch: {rates['file']:,.0f} cards/s to a file, {rates['null']:,.0f} cards/s to /dev/null "
          f"(medians of 3 runs of {max(n, 2000):,} cards of {line / 1024:,.0f} KB, {workers} workers, fast engine, "
          "JSON Lines in and out)")
    print(load)
    if "--markdown" in sys.argv:
        print()
        print("| per card (median) | durable_rules | reference | fast | durable / fast |")
        print("|---|---|---|---|---|")
        for key, label in (("eval", "evaluation only"), ("plain", "scorecard as plain data"), ("model", "scorecard as pydantic model")):
            print(f"| {label} | {d[key]:.2f} ms | {r[key]:.2f} ms | {f[key]:.2f} ms | {d[key] / f[key]:.1f}× |")
        print(f"| memory over {mem[-1][0]:,} cards (fast) | {mem[0][1]:.1f} MB at the start | {mem[len(mem) // 2][1]:.1f} MB "
              f"halfway | {mem[-1][1]:.1f} MB at the end | |")
        print(f"| `project`, 10,000 samples | | | {proj:.2f} s | |")
        print(f"| `score --batch`, {workers} workers, to a file | | | {rates['file']:,.0f} cards/s | |")
        print(f"| `score --batch`, {workers} workers, to /dev/null | | | {rates['null']:,.0f} cards/s | |")
        print()
        print(f"{n} fact sets; {load}.")


if __name__ == "__main__":
    main()
