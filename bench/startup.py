"""Benchmark: cold start, the whole process, as a user waits for it.

Run by hand:  .venv/bin/python bench/startup.py [RUNS] [FACTS]

Times, as whole processes started from this interpreter, the median wall time of:
- `python -c pass`: the interpreter's own start, the floor nothing can go under;
- `python -c "import parscore.cli"`: what every command pays before it does anything;
- `python -m parscore score FACTS` (default the Cà Mau fixture, table to stdout, Vietnamese);
- the same with `--lang en`.

RUNS (default 21, at least 15) runs of each, interleaved so machine noise hits all alike,
after one warm-up run each (the page cache). Timings are never asserted in tests.
Where a module's own import is slow: `python -X importtime -m parscore score FACTS`.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "ca-mau-2025" / "weaknesses.yaml"


def commands(facts: Path) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "python -c pass": [py, "-c", "pass"],
        "import parscore.cli": [py, "-c", "import parscore.cli"],
        "parscore score FACTS": [py, "-m", "parscore", "score", str(facts)],
        "parscore score FACTS --lang en": [py, "-m", "parscore", "score", str(facts), "--lang", "en"],
    }


def once(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode(errors='replace')[:500]}")
    return elapsed


def main(argv: list[str]) -> int:
    runs = max(15, int(argv[0])) if argv else 21
    facts = Path(argv[1]) if len(argv) > 1 else FIXTURE
    cmds = commands(facts)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for cmd in cmds.values():
        once(cmd)   # warm-up: the page cache, not counted
    for _ in range(runs):
        for name, cmd in cmds.items():
            times[name].append(once(cmd))
    floor = statistics.median(times["python -c pass"])
    print(f"whole-process wall time, median of {runs} runs (min–max), {sys.executable}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:<32} {med:6.3f} s  ({min(ts):.3f}–{max(ts):.3f})  above the floor: {med - floor:6.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
