"""The invalid-input corpus, the only one: files broken in exactly one way, each with its exact errors.

One parametrized test runs every case; a case's pytest id is its name in expected.yaml,
the file's path under tests/data/invalid/ (e.g. `facts/decimal-comma.yaml`).

`tests/data/invalid/expected.yaml` maps every case (a path relative to tests/data/invalid/)
to the lines parscore must print on stderr, without the leading "parscore: ":

- `methodology/<case>.yaml`: a copy of mini.yaml (rules: ../../mini/rules) broken one way;
  run as `parscore validate tests/data/invalid/methodology/<case>.yaml`.
- `rules/<case>.yaml`: a copy of mini's rules broken one way; copied to a temp dir as
  `rules/all.yaml` beside a copy of mini.yaml named `m.yaml` (whose `rules: rules`), then
  `parscore validate <tmp>/m.yaml`. `{rules}` and `{methodology}` in the expected lines
  stand for those two temp paths.
- `facts/<case>.yaml`: a facts file for mini broken one way; `parscore score` on it.

Every case must exit 2, print no traceback, and print exactly the expected lines.

Cases in PENDING are in the corpus but not in expected.yaml: parscore currently reports
them wrongly (a crash, a misleading message, a missing line, or unrelated extra errors).
They are listed so that no corpus file goes unaccounted for; once parscore handles one
correctly, move it into expected.yaml with its exact errors.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conftest import MINI, ROOT, run_cli

INVALID = ROOT / "tests" / "data" / "invalid"
DIRS = ("methodology", "rules", "facts")
EXPECTED: dict[str, list[str]] = yaml.safe_load((INVALID / "expected.yaml").read_text(encoding="utf-8"))

PENDING: dict[str, str] = {}  # every case the helper found wrong is now handled; add new ones here first


def _command(case: str, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """The parscore arguments for a case, and the placeholders in its expected lines."""
    kind = case.split("/", 1)[0]
    if kind == "rules":
        (tmp_path / "rules").mkdir()
        shutil.copyfile(MINI, tmp_path / "m.yaml")  # mini.yaml already says `rules: rules`
        shutil.copyfile(INVALID / case, tmp_path / "rules" / "all.yaml")
        return (["validate", str(tmp_path / "m.yaml")],
                {"{methodology}": str(tmp_path / "m.yaml"), "{rules}": str(tmp_path / "rules" / "all.yaml")})
    path = f"tests/data/invalid/{case}"
    return (["validate", path] if kind == "methodology" else ["score", path]), {}


@pytest.mark.parametrize("case", sorted(EXPECTED), ids=sorted(EXPECTED))
def test_invalid_case(case, tmp_path):
    args, placeholders = _command(case, tmp_path)
    result = run_cli(*args, "--lang", "en")  # the expected lines are the English message ids; test_i18n checks vi
    expected = []
    for line in EXPECTED[case]:
        for key, value in placeholders.items():
            line = line.replace(key, value)
        expected.append(f"parscore: {line}")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == expected
    assert result.stdout == ""


def test_corpus_size_and_coverage():
    assert len(EXPECTED) >= 40
    for d in DIRS:
        assert sum(case.startswith(f"{d}/") for case in EXPECTED) >= 10, d
    assert all(case.split("/", 1)[0] in DIRS and case.endswith(".yaml") for case in EXPECTED)
    assert all(isinstance(lines, list) and lines and all(isinstance(x, str) for x in lines) for lines in EXPECTED.values())


def test_every_corpus_file_is_accounted_for():
    on_disk = {f"{d}/{p.name}" for d in DIRS for p in (INVALID / d).glob("*.yaml")}
    assert set(EXPECTED) | set(PENDING) == on_disk
    assert not set(EXPECTED) & set(PENDING)
