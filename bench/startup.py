"""Benchmark: cold start, the whole process, as a user waits for it.

Run by hand:  .venv/bin/python bench/startup.py [RUNS] [FACTS]

Times, as whole processes started from this interpreter, the median wall time of:
- `python -c pass`: the interpreter's own start, the floor nothing can go under;
- `python -c "import parscore.cli"`: what every command pays before it does anything;
- `python -m parscore score FACTS` (default the Cà Mau fixture, table to stdout, Vietnamese);
- the same with `--lang en`.

RUNS (default 21, at least 15) runs of each, interleaved so machine noise hits all alike,
after one warm-up run each (the page cache). Beside the wall time, the CPU time (user + sys)
of each process, which a shared, busy machine disturbs much less. Timings are never asserted
in tests. Where a module's own import is slow: `python -X importtime -m parscore score FACTS`.

Python's bytecode cache matters: with PYTHONDONTWRITEBYTECODE set and no `__pycache__` (a
fresh editable checkout), every module is compiled from source on every start. An installed
wheel has its `.pyc` files; the first line says which case was measured.
"""
from __future__ import annotations

import os
import resource
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


def once(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode(errors='replace')[:500]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str]) -> int:
    runs = max(15, int(argv[0])) if argv else 21
    facts = Path(argv[1]) if len(argv) > 1 else FIXTURE
    cmds = commands(facts)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    cpu: dict[str, list[float]] = {name: [] for name in cmds}
    for cmd in cmds.values():
        once(cmd)   # warm-up: the page cache, not counted
    for _ in range(runs):
        for name, cmd in cmds.items():
            wall, used = once(cmd)
            times[name].append(wall)
            cpu[name].append(used)
    floor = statistics.median(times["python -c pass"])
    cached = "off (PYTHONDONTWRITEBYTECODE)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    print(f"whole process, median of {runs} runs (min–max); {sys.executable}; bytecode cache {cached}")
    print(f"  {'command':<32} {'wall':>7}  {'(min–max)':<15} {'above floor':>11}  {'cpu':>7}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:<32} {med:6.3f}s  ({min(ts):.3f}–{max(ts):.3f})  {med - floor:10.3f}s  "
              f"{statistics.median(cpu[name]):6.3f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
