"""The installed console entry point itself, in child processes (every other CLI test calls
`parscore.cli.main` in-process, which is much faster)."""
from __future__ import annotations

import json
import shutil
import subprocess

from conftest import ROOT, run_cli


def test_python_dash_m_parscore_scores_the_readme_example():
    r = run_cli("score", "fixtures/ca-mau-2025/weaknesses.yaml", "-f", "json", process=True)
    assert r.returncode == 0, r.stderr
    inproc = run_cli("score", "fixtures/ca-mau-2025/weaknesses.yaml", "-f", "json")
    assert r.stdout == inproc.stdout and json.loads(r.stdout)["agency"]["code"] == "ca-mau"


def test_bad_input_exits_2_with_a_located_line_in_a_real_process():
    r = run_cli("score", "tests/data/invalid/facts/decimal-comma.yaml", process=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("parscore: tests/data/invalid/facts/decimal-comma.yaml:5:")


def test_the_console_script_is_installed():
    exe = shutil.which("parscore")
    if exe is None:   # running from a checkout without the venv on PATH: use the venv's own script
        exe = str(ROOT / ".venv" / "bin" / "parscore")
    r = subprocess.run([exe, "criteria", "-f", "json"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["id"] == "par-province-892"
