from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the real command in a child process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "parscore", *args], capture_output=True, text=True,
                          cwd=cwd, env=full_env, timeout=120)
