"""A normal (non-editable) install works anywhere: the wheel carries criteria/ and rules/.

Builds the wheel, installs it into a directory of its own (dependencies come from the
test environment), and scores a fixture from another working directory. The card must
be byte-identical to the one the source checkout gives.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "ca-mau-2025" / "weaknesses.yaml"
pytestmark = pytest.mark.xdist_group("wheel")   # one wheel build: `--dist loadgroup` keeps these tests on one worker


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    src = out / "src"   # pip builds in the tree: build from a copy so the checkout gets no build/ folder
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__",
                                                             ".hypothesis", ".pytest_cache", "tests"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(out / "dist"), str(src)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next((out / "dist").glob("parscore-*.whl"))
    inst = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(out / "site"),
                           str(wheel)], capture_output=True, text=True, timeout=300)
    assert inst.returncode == 0, inst.stderr[-3000:]
    return wheel, out / "site"


def test_the_wheel_carries_methodologies_rules_and_type_information(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "parscore/py.typed" in names
    assert "parscore/data/criteria/par-province-892.yaml" in names
    assert "parscore/data/rules/par-province-892/field-3.yaml" in names
    # the UI text of each language, and the Vietnamese translations of English messages
    assert {"parscore/messages/vi.yaml", "parscore/messages/en.yaml", "parscore/messages/translations/vi.yaml"} <= names


def test_an_installed_wheel_speaks_vietnamese(installed, tmp_path):
    _, site = installed
    r = _run(site, tmp_path, "score", "nowhere.yaml")
    assert (r.returncode, r.stderr) == (2, "parscore: nowhere.yaml: không tìm thấy tệp [PS001]\n")


def _run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PARSCORE_HOME", "PARSCORE_METHODOLOGIES")}
    env["PYTHONPATH"] = str(site)
    return subprocess.run([sys.executable, "-c", "import sys, parscore, parscore.cli; "
                           "assert parscore.__file__.startswith(sys.argv[1]), parscore.__file__; "
                           "sys.exit(parscore.cli.main(sys.argv[2:]))", str(site), *args],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def test_an_installed_wheel_scores_from_another_directory(installed, tmp_path):
    _, site = installed
    r = _run(site, tmp_path, "score", str(FIXTURE), "-f", "json")
    assert r.returncode == 0, r.stderr
    src = subprocess.run([sys.executable, "-m", "parscore", "score", str(FIXTURE), "-f", "json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)   # the source checkout
    assert r.stdout == src.stdout


def test_a_users_own_methodology_directory_is_searched_first(installed, tmp_path):
    _, site = installed
    mine = tmp_path / "mine"
    (mine / "rules").mkdir(parents=True)
    shutil.copytree(ROOT / "tests" / "data" / "mini" / "rules", mine / "rules" / "mini")
    text = (ROOT / "tests" / "data" / "mini" / "mini.yaml").read_text(encoding="utf-8")
    (mine / "my-index.yaml").write_text(text.replace("rules: rules", "rules: rules/mini"), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "parscore", "criteria", "my-index", "-f", "json"], capture_output=True,
                       text=True, cwd=tmp_path, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(site), "PARSCORE_METHODOLOGIES": str(mine)})
    assert r.returncode == 0, r.stderr
    assert '"id": "mini"' in r.stdout
