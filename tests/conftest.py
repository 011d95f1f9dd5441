from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis: every test keeps its own max_examples; no test has a deadline, because on a
# shared machine (or with -n auto) a slow example is not a failure. Test modules are imported
# after this file, so their own settings(...) inherit it.
settings.register_profile("parscore", deadline=None)
settings.load_profile("parscore")

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "mini" / "mini.yaml"


@pytest.fixture(scope="session")
def mini():
    from parscore import load_methodology

    return load_methodology(MINI)


@pytest.fixture(scope="session")
def par892():
    from parscore import load_methodology

    return load_methodology("par-province-892")


def facts_text(src: Path) -> str:
    """A facts file's text with its `baseline:` (last year's file) made absolute, so a copy
    written into a test's own directory scores exactly like the original."""
    import re

    text = src.read_text(encoding="utf-8")
    m = re.search(r"^baseline: *([^\s#]+)", text, re.M)
    if m:
        text = text[:m.start(1)] + str((src.parent / m.group(1)).resolve()) + text[m.end(1):]
    return text


# Variables only a new interpreter can honour: a command run with them goes to a child process.
PROCESS_ONLY = {"PYTHONHASHSEED", "PYTHONIOENCODING", "PYTHONUTF8", "LANG", "LC_ALL", "LC_CTYPE"}


class CommandHung(BaseException):
    """An in-process command ran past its timeout (a BaseException: `main` must not catch it)."""


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT,
            process: bool = False, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would, and return its exit code, stdout and stderr.

    In-process by default (`parscore.cli.main` with its own stdout, stderr, working
    directory and environment), which is fast; `process=True`, or an environment
    variable only a new interpreter honours, runs `python -m parscore` in a child
    process (tests/test_console.py proves the console script itself that way).

    A command still running after `timeout` seconds raises subprocess.TimeoutExpired in
    both ways: in-process, a SIGALRM interrupts it even inside a blocking system call
    (opening a FIFO that has no writer), so a reader that would hang fails its test.
    """
    if process or (env and set(env) & PROCESS_ONLY):
        full_env = {**os.environ, **(env or {})}
        return subprocess.run([sys.executable, "-m", "parscore", *args], capture_output=True, text=True,
                              cwd=cwd, env=full_env, timeout=timeout)
    import io
    import signal
    import threading

    from parscore.cli import main

    def hung(signum, frame):
        raise CommandHung()

    alarm = threading.current_thread() is threading.main_thread()

    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    saved = sys.stdout, sys.stderr, os.getcwd(), dict(os.environ)
    previous = signal.signal(signal.SIGALRM, hung) if alarm else None
    try:
        os.environ.update(env or {})
        os.chdir(cwd)
        sys.stdout, sys.stderr = stdout, stderr
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            code = main(list(args))
        except SystemExit as exc:   # argparse: --help, usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        except CommandHung:
            raise subprocess.TimeoutExpired(["parscore", *args], timeout) from None
        finally:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
        stdout.flush()
        stderr.flush()
    finally:
        if alarm:
            signal.signal(signal.SIGALRM, previous)
        sys.stdout, sys.stderr = saved[0], saved[1]
        os.chdir(saved[2])
        os.environ.clear()
        os.environ.update(saved[3])
    text = lambda b: b.getvalue().decode("utf-8").replace("\r\n", "\n")  # noqa: E731
    return subprocess.CompletedProcess(["parscore", *args], code, text(out), text(err))
