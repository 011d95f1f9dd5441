"""Consistency constraints between reported facts (rules files' `constraints:`).

Facts that contradict each other are an error with file and line in `score` and
`validate`, and a finding in `audit`; never a silent not-applicable item.
"""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import MINI
from parscore import InputError, load_methodology
from parscore.cli import main
from parscore.loading import find_contradictions

LATE = ("tthc_dossiers_resolved_on_time + tthc_dossiers_overdue = 600000 + 0 = 600000 must be at least "
        "tthc_dossiers_resolved = 604215: every resolved dossier that was not on time is a late dossier, so dossiers "
        "on time plus late dossiers cannot be fewer than dossiers resolved; correct whichever figure is wrong "
        "(see also lines 5, 6) (constraint late-dossiers-counted, ")

FACTS = """agency: {code: ca-mau, name: "UBND tỉnh Cà Mau"}
year: 2025
facts:
  tthc_dossiers_resolved: 604215
  tthc_dossiers_resolved_on_time: 600000
  tthc_dossiers_overdue: %s
"""


@pytest.fixture
def facts_file(tmp_path):
    def write(overdue: int) -> Path:
        p = tmp_path / "facts.yaml"
        p.write_text(FACTS % overdue, encoding="utf-8")
        return p
    return write


@pytest.mark.parametrize("command", ["score", "validate"])
def test_late_dossiers_that_do_not_add_up_are_refused(facts_file, capsys, command):
    path = facts_file(0)
    assert main([command, str(path), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:4: facts.tthc_dossiers_resolved: {LATE}" in err
    assert "rules/par-province-892/field-3.yaml:" in err and err.rstrip().endswith("[PS202]")


def test_the_apology_item_scores_once_the_figures_agree(facts_file, capsys):
    assert main(["score", str(facts_file(4215)), "-f", "json"]) == 0
    assert '"code": "3.4.2"' in capsys.readouterr().out


def test_audit_reports_it_as_a_finding(facts_file, capsys):
    main(["audit", str(facts_file(0)), "-f", "json"])
    out = capsys.readouterr().out
    assert "AU010" in out and "late-dossiers-counted" in out


@pytest.fixture(scope="module")
def constrained(tmp_path_factory):
    """The mini methodology with one constraint of each relation."""
    root = tmp_path_factory.mktemp("m")
    shutil.copytree(MINI.parent, root / "mini")
    (root / "mini" / "rules" / "constraints.yaml").write_text("""constraints:
  - id: same-scope
    sum: units_in_scope
    equals: issues_found
    why: {vi: "cùng một phạm vi", en: "the same scope"}
  - id: violations-bounded
    sum: [violations, issues_handled]
    at_most: units_in_scope
    why: {vi: "không vượt quá", en: "cannot exceed"}
  - id: enough-inspected
    sum: units_inspected
    at_least: [violations]
    why: {vi: "mỗi vi phạm cần một lần kiểm tra", en: "each violation needs an inspection"}
""", encoding="utf-8")
    return load_methodology(root / "mini" / "mini.yaml")


@pytest.mark.parametrize("values, broken", [
    ({"units_in_scope": 10, "issues_found": 10, "violations": 3, "issues_handled": 7, "units_inspected": 3}, []),
    ({"units_in_scope": 10, "issues_found": 9}, ["same-scope"]),
    ({"units_in_scope": 10, "violations": 6, "issues_handled": 5}, ["violations-bounded"]),
    ({"units_inspected": 2, "violations": 3}, ["enough-inspected"]),
    ({"units_in_scope": 10, "violations": 600}, []),   # a constraint with a fact not given is not checked
])
def test_each_relation(constrained, values, broken):
    problems = find_contradictions({k: Decimal(v) for k, v in values.items()}, constrained, "f.yaml")
    assert [p.message.split("(constraint ")[1].split(",")[0] for p in problems] == broken
    assert all(p.code == "PS202" for p in problems)


def _mini_with(tmp_path: Path, text: str):
    shutil.copytree(MINI.parent, tmp_path / "mini")
    (tmp_path / "mini" / "rules" / "c.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_methodology(tmp_path / "mini" / "mini.yaml")
    return [(p.line, p.code, p.message) for p in exc.value.problems]


def test_a_constraint_naming_an_unknown_or_boolean_fact_is_refused(tmp_path):
    assert _mini_with(tmp_path, """constraints:
  - id: bad
    sum: [plan_issued, units_in_scop]
    equals: units_in_scope
    why: {vi: "x", en: "x"}
""") == [
        (2, "PS200", "'plan_issued' is boolean; a constraint adds up reported numbers (count, number, percent)"),
        (2, "PS200", "'units_in_scop' is not a reported fact (did you mean 'units_in_scope'?); a constraint adds up "
                     "reported numbers (count, number, percent)"),
    ]


def test_a_constraint_needs_exactly_one_relation(tmp_path):
    got = _mini_with(tmp_path, """constraints:
  - id: no-relation
    sum: units_in_scope
    why: {vi: "x", en: "x"}
""")
    assert [(line, code) for line, code, _ in got] == [(2, "PS044")]
    assert "exactly one of equals, at_most, at_least" in got[0][2]


def test_constraint_ids_are_unique(tmp_path):
    got = _mini_with(tmp_path, """constraints:
  - id: twice
    sum: units_in_scope
    equals: units_inspected
    why: {vi: "x", en: "x"}
  - id: twice
    sum: units_in_scope
    at_least: units_inspected
    why: {vi: "x", en: "x"}
""")
    assert got == [(6, "PS201", f"duplicate constraint id (also {tmp_path}/mini/rules/c.yaml:2)")]
