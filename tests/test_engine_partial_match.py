"""A session in which no production fires (only a ratio's denominator given) used to abort
the whole process inside durable_rules' delete_state (`free(): invalid pointer`): a signal
for the CLI, and every request lost for `parscore serve`. Run in a child process, so a
regression shows as a failed test rather than a crashed test run."""
from __future__ import annotations

import json

import pytest

from conftest import run_cli


@pytest.mark.parametrize("facts", [
    "par_annual_plan_tasks_total: 10",
    "par_inspection_units_in_scope: 10",
    "par_annual_plan_tasks_total: 10\n  par_inspection_units_in_scope: 10",
])
def test_only_partial_matches_score_without_a_crash(tmp_path, facts):
    f = tmp_path / "partial.yaml"
    f.write_text(f"agency: {{code: x, name: X}}\nyear: 2025\nfacts:\n  {facts}\n", encoding="utf-8")
    r = run_cli("score", str(f), "-f", "json", process=True)
    assert r.returncode == 0, r.stderr
    card = json.loads(r.stdout)
    assert card["items"][1]["code"] == "1.1.2" and card["items"][1]["status"] == "missing_facts"

    from parscore.evaluation import engine_for
    from parscore.workflow import load_inputs
    m, loaded = load_inputs(f)
    durable, baseline = (engine_for(m, b).evaluate(loaded) for b in ("durable", "python"))   # safe: the child survived
    assert durable.trace == baseline.trace and durable.verdicts == baseline.verdicts
