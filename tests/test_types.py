"""The package's type information is checked, not only shipped (`py.typed`).

`mypy --strict` over src/parscore with the project's own configuration ([tool.mypy] in
pyproject.toml) must report no error, so CI (which runs pytest) refuses a change that
breaks an annotation. The configuration itself is pinned too: strict stays on, and the
only exceptions are the ones named there with their reason.

mypy keeps its incremental cache under pytest's cache directory (.pytest_cache/d/mypy,
git-ignored), so a run after the first takes a few seconds.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api", reason="mypy is in the test extra: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"

# Modules other branches are restructuring (issue 11); relaxed until the coordinator merges them.
UNDER_RESTRUCTURING: set[str] = set()   # every module of parscore is checked strictly


def _mypy(request: pytest.FixtureRequest, *args: str) -> tuple[str, int]:
    cache = request.config.cache.mkdir("mypy") if request.config.cache else ROOT / ".mypy_cache"
    out, err, status = mypy_api.run(["--config-file", str(PYPROJECT), "--cache-dir", str(cache),
                                     "--no-error-summary", "--hide-error-context", *args])
    return out + err, status


def test_mypy_strict_reports_no_error_in_the_package(request):
    report, status = _mypy(request, str(ROOT / "src" / "parscore"))
    assert status == 0 and report == "", report


def test_the_configuration_is_strict_and_names_every_exception():
    conf = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["mypy"]
    assert conf["strict"] is True
    relaxed = {}
    for o in conf.get("overrides", []):
        modules = o["module"] if isinstance(o["module"], list) else [o["module"]]
        for name in modules:
            relaxed[name] = {k: v for k, v in o.items() if k != "module"}
    # untyped third-party code: only durable_rules, and only its missing types are forgiven
    third_party = {n for n in relaxed if not n.startswith("parscore")}
    assert third_party == {"durable", "durable.*"}
    assert all(relaxed[n] == {"ignore_missing_imports": True} for n in third_party)
    # our own modules: none is exempted
    ours = {n for n in relaxed if n.startswith("parscore")}
    assert ours == UNDER_RESTRUCTURING
    assert "TEMPORARY" not in PYPROJECT.read_text(encoding="utf-8")


def test_the_configuration_rejects_an_unannotated_function(request, tmp_path):
    """The check can fail: the same configuration refuses what strict mode refuses."""
    (tmp_path / "half.py").write_text("def half(x):\n    return x / 2\n", encoding="utf-8")
    report, status = _mypy(request, str(tmp_path / "half.py"))
    assert status == 1
    assert report.endswith("half.py:1: error: Function is missing a type annotation  [no-untyped-def]\n"), report
