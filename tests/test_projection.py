"""`parscore project`: the index as a range, each sample scored exactly like a full scorecard."""
from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from conftest import ROOT, facts_text, run_cli
from parscore import load_facts, load_methodology, score
from parscore.errors import InputError
from parscore.projection import load_baseline, load_spreads, project, survey_facts

M = load_methodology("par-province-892")
FACTS = "fixtures/ca-mau-2025/weaknesses.yaml"
BASE = "fixtures/ca-mau-2024.yaml"


@pytest.fixture(scope="module")
def inputs():
    return load_facts(FACTS, M), load_baseline(BASE, M), load_spreads(M)


def test_every_sample_scores_as_a_full_scorecard_would(inputs):
    """Re-score 40 samples' drawn values on the reference engine: the same index, exactly."""
    facts, base, spreads = inputs
    kept: list = []
    project(M, facts, base, spreads, samples=40, seed=7, redraw=True, keep=kept)
    assert len(kept) == 40
    for drawn, index in kept:
        assert set(drawn) == set(survey_facts(M))
        assert score(M, facts.with_values(drawn), "vi", "reference").index == index


def test_zero_spread_gives_last_years_values_exactly(inputs, tmp_path):
    facts, base, _ = inputs
    spread = tmp_path / "zero.yaml"
    spread.write_text("shared: 0\nfacts:\n" + "".join(f"  {f}: {{sd: 0}}\n" for f in survey_facts(M)), encoding="utf-8")
    p = project(M, facts, base, load_spreads(M, str(spread)), samples=50, seed=1, redraw=True)
    expected = score(M, facts.with_values({f: base.values[f] for f in survey_facts(M)}), "vi", "durable")
    assert p.index["p5"] == p.index["p50"] == p.index["p95"] == expected.index
    assert p.groups[expected.group] == Decimal(1)
    assert [f["p50"] for f in p.fields] == [f.index for f in expected.fields]


def test_known_survey_facts_are_kept_unless_redrawn(inputs):
    facts, base, spreads = inputs
    p = project(M, facts, base, spreads, samples=20, seed=3)
    assert p.drawn == [] and len(p.kept) == len(survey_facts(M))
    assert p.index["p5"] == p.index["p95"] == score(M, facts).index


def test_same_seed_same_numbers_other_seed_other_numbers(inputs):
    facts, base, spreads = inputs
    a = project(M, facts, base, spreads, samples=300, seed=11, redraw=True)
    b = project(M, facts, base, spreads, samples=300, seed=11, redraw=True)
    c = project(M, facts, base, spreads, samples=300, seed=12, redraw=True)
    assert a.to_dict() == b.to_dict()
    assert a.histogram != c.histogram
    assert sum(a.groups.values()) == Decimal(1)


def test_target_field_and_rank_probabilities_count_samples(inputs):
    from parscore.peers import load_peers
    facts, base, spreads = inputs
    kept: list = []
    p = project(M, facts, base, spreads, samples=200, seed=5, target=Decimal("87.5"), redraw=True,
                peers=load_peers("fixtures/peers-2024.yaml"), top=40, keep=kept)
    assert p.target_probability == Decimal(sum(1 for _, i in kept if i >= Decimal("87.5"))) / 200
    assert all(f["target"] == Decimal("87.5") for f in p.fields)
    assert p.rank is not None and p.rank["of"] == 63 and p.rank["p5"] <= p.rank["p50"] <= p.rank["p95"]


def test_a_survey_fact_without_last_years_value_is_reported_not_drawn(tmp_path):
    f = tmp_path / "base.yaml"
    f.write_text("agency: {code: ca-mau, name: X}\nyear: 2024\nfacts:\n  sipas_policy_satisfaction: 80\n", encoding="utf-8")
    r = run_cli("project", FACTS, "--baseline", str(f), "--redraw-survey", "--samples", "50", "-f", "json", "--lang", "en")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [d["fact"] for d in out["drawn"]] == ["sipas_policy_satisfaction"]
    assert len(out["undrawn"]) == len(survey_facts(M)) - 1
    assert (f"{f}: facts.survey_officials_par_inspection_effect: no value last year, so it is not drawn and stays "
            "missing (items 1.3.3) [PS380]") in r.stderr
    vi = run_cli("project", FACTS, "--baseline", str(f), "--redraw-survey", "--samples", "50")
    assert (f"{f}: facts.survey_officials_par_inspection_effect: không có giá trị năm trước nên không mô phỏng, "
            "vẫn thiếu số liệu (tiêu chí 1.3.3) [PS380]") in vi.stderr


def test_bad_spread_files_are_located(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("shared: 2\nfacts:\n  sipas_policy_satisfaction: {sd: -1}\n  sipas_policy: {sd: 1}\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_spreads(M, str(f))
    msgs = [str(p) for p in e.value.problems]
    assert msgs[0] == f"{f}:1: shared: expected the shared share of variance as a number from 0 to 1, got 2 [PS373]"
    assert msgs[1] == (f"{f}:3: facts.sipas_policy_satisfaction.sd: expected a standard deviation in points from 0 to 50, "
                       "e.g. sd: 2.28, got -1 [PS372]")
    assert msgs[2].startswith(f"{f}:4: facts.sipas_policy: 'sipas_policy' is not a survey fact of par-province-892")
    assert msgs[2].endswith("[PS371]")


def test_cli_table_json_html_and_bad_numbers(tmp_path):
    r = run_cli("project", FACTS, "--baseline", BASE, "--redraw-survey", "--samples", "500", "--seed", "4",
                "--target", "88", "--lang", "en")
    assert r.returncode == 0 and "Index (p5 / p50 / p95): " in r.stdout and "Probability of group A: " in r.stdout
    j1 = run_cli("project", FACTS, "--baseline", BASE, "--redraw-survey", "--samples", "500", "--seed", "4", "-f", "json")
    j2 = run_cli("project", FACTS, "--baseline", BASE, "--redraw-survey", "--samples", "500", "--seed", "4", "-f", "json")
    assert j1.stdout == j2.stdout and json.loads(j1.stdout)["samples"] == 500
    out = tmp_path / "p.html"
    h = run_cli("project", FACTS, "--baseline", BASE, "--redraw-survey", "--samples", "200", "-f", "html", "-o", str(out))
    assert h.returncode == 0 and "<svg" in out.read_text(encoding="utf-8")
    known = run_cli("project", FACTS, "--baseline", BASE, "--samples", "20", "--lang", "en")
    assert "Every survey fact is already in the file, so nothing is drawn and the index is one value." in known.stdout
    bad = run_cli("project", FACTS, "--baseline", BASE, "--samples", "many", "--lang", "en")
    assert bad.returncode == 2 and "--samples: samples: expected a whole number ≥ 1, got 'many' [PS374]" in bad.stderr


def test_laws_of_a_projection(inputs):
    """Percentiles in order, group probabilities adding up to 1, a higher target never more likely."""
    from hypothesis import given, settings, strategies as st

    facts, base, spreads = inputs

    @settings(max_examples=15, deadline=None)
    @given(seed=st.integers(0, 10**6), t1=st.integers(8000, 9500), dt=st.integers(0, 500))
    def law(seed, t1, dt):
        lo, hi = Decimal(t1) / 100, Decimal(t1 + dt) / 100
        a = project(M, facts, base, spreads, samples=60, seed=seed, target=lo, redraw=True)
        b = project(M, facts, base, spreads, samples=60, seed=seed, target=hi, redraw=True)
        assert a.index["min"] <= a.index["p5"] <= a.index["p50"] <= a.index["p95"] <= a.index["max"]
        assert sum(a.groups.values()) == Decimal(1)
        assert b.target_probability <= a.target_probability
        for f in a.fields:
            assert f["p5"] <= f["p50"] <= f["p95"]
    law()


def _without_survey(tmp_path) -> str:
    """The weaknesses file as it stands at self-assessment time: no survey fact yet."""
    import re

    sv = survey_facts(M)
    lines = (ROOT / FACTS).read_text(encoding="utf-8").split("\n")
    out = tmp_path / "no-survey.yaml"
    out.write_text("\n".join(l for l in lines if not any(re.match(rf"^  {n}:", l) for n in sv)
                             and not l.startswith("baseline:")), encoding="utf-8")
    return str(out)


def test_the_command_draws_the_survey_a_file_does_not_have_yet(tmp_path):
    """The use the command exists for: the survey is not out, so all 22 survey facts are drawn.
    (It used to fill them from last year before drawing, keep them, and print a single value.)"""
    f = _without_survey(tmp_path)
    r = run_cli("project", f, "--baseline", BASE, "--samples", "300", "--seed", "5", "-f", "json")
    assert r.returncode == 0, r.stderr
    p = json.loads(r.stdout)
    assert p["kept"] == [] and len(p["drawn"]) == 22 and p["undrawn"] == []
    assert Decimal(str(p["index"]["p5"])) < Decimal(str(p["index"]["p50"])) < Decimal(str(p["index"]["p95"]))
    # every drawn fact is centred on last year's value from the file
    last = load_baseline(BASE, M)
    assert {d["fact"]: d["baseline"] for d in p["drawn"]} == {k: str(v) for k, v in last.values.items()}


def test_a_published_results_row_is_a_baseline_for_project_too(tmp_path):
    """One reader of last year: `project` takes the results file `score --baseline` takes."""
    f = _without_survey(tmp_path)
    r = run_cli("project", f, "--baseline", "fixtures/results-2024.yaml", "--samples", "50", "-f", "json")
    assert r.returncode == 0, r.stderr
    p = json.loads(r.stdout)
    assert p["baseline"].endswith("results-2024.yaml (Cà Mau, 2024)") and len(p["drawn"]) == 22
    sipas = {d["fact"]: d["baseline"] for d in p["drawn"] if d["fact"].startswith("sipas")}
    assert sipas == {"sipas_policy_satisfaction": "86.42", "sipas_service_delivery_satisfaction": "86.42"}


@pytest.mark.parametrize("args, error", [
    (["--field-target", "9=80"], "--field-target: 9=80: expected FIELD=INDEX with a field code, e.g. --field-target 3=92 [PS378]"),
    (["--field-target", "1=abc"], "--field-target: 1=abc: expected an index such as 92 or 92.5, got 'abc' [PS132]"),
    (["--field-target", "1=120"], "--field-target: 1=120: an index lies within 0–100, got 120 [PS132]"),
    (["--field-target", "1=80", "--field-target", "1=90"],
     "--field-target: 1=90: field 1 is given twice; give each field's target once [PS378]"),
])
def test_a_bad_field_target_names_itself(args, error):
    """A field target's bad index was reported as `--target: target:` (another option), and a
    field given twice kept its last target in silence."""
    r = run_cli("project", FACTS, "--baseline", BASE, "--samples", "20", *args, "--lang", "en")
    assert (r.returncode, r.stderr.strip()) == (2, f"parscore: {error}")


def test_a_baseline_of_this_year_or_of_another_agency_is_refused(tmp_path):
    """`--baseline` took this year's file, a later one or another province's, and drew the survey
    around those values in silence; the facts file's own `baseline:` already refused a wrong year."""
    r = run_cli("project", FACTS, "--baseline", FACTS, "--lang", "en")
    assert (r.returncode, r.stderr.strip()) == (2, f"parscore: {FACTS}: --baseline: last year's file is for 2025, not a "
                                                   "year before 2025; give the previous year's file [PS312]")
    other = tmp_path / "other-2024.yaml"
    text = (ROOT / BASE).read_text(encoding="utf-8")
    other.write_text(re.sub(r"(?m)^agency:.*$", "agency: {code: bac-lieu, name: UBND tỉnh Bạc Liêu}", text, count=1),
                     encoding="utf-8")
    r = run_cli("project", FACTS, "--baseline", str(other), "--lang", "en")
    assert (r.returncode, r.stderr.strip()) == (2, f"parscore: {other}: --baseline: last year's facts file is for the agency "
                                                   "'bac-lieu', not 'ca-mau'; give this agency's own file [PS312]")
    r = run_cli("score", FACTS, "--baseline", str(other), "--lang", "en")   # filling this year's survey from it: the same
    assert r.returncode == 2 and "is for the agency 'bac-lieu', not 'ca-mau'" in r.stderr
    assert run_cli("project", FACTS, "--baseline", BASE, "--samples", "20").returncode == 0
    # a facts file's own `baseline:` naming another agency's file: "increase on 2024" rules compared with it
    mine = tmp_path / "2025.yaml"
    mine.write_text(facts_text(ROOT / FACTS).replace(str((ROOT / BASE).resolve()), str(other))
                    .replace("lead_units: lead-units.yaml", f"lead_units: {ROOT / 'fixtures/ca-mau-2025/lead-units.yaml'}"),
                    encoding="utf-8")
    r = run_cli("score", str(mine), "--lang", "en")
    assert r.returncode == 2
    assert r.stderr.startswith(f"parscore: {mine}:") and r.stderr.rstrip().endswith(
        f"baseline: the baseline '{other}' is for the agency 'bac-lieu', not 'ca-mau'; name this agency's own facts file "
        "of the previous year [PS305]")
