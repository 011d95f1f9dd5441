"""Simulation, the planner (optimal against brute force), rank projection, peer tables."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT, run_cli
from parscore import InputError, load_methodology
from parscore.loading import Facts
from parscore.models import Agency
from parscore.peers import PeerTable, Peer, competition_rank, load_peers, project_rank
from parscore.planner import Planner, brute_force_minimum
from parscore.simulation import simulate

MINI2 = load_methodology(ROOT / "tests/data/mini2/mini2.yaml")


def facts2(**values) -> Facts:
    return Facts("t.yaml", Agency(code="t", name="T"), 2025, "mini2", values)


BASE2 = dict(units_in_scope=40, units_inspected=6, violations=3, plan_issued=False, firms_new=90, firms_new_prev=100,
             disbursement_rate=Decimal(85), satisfaction=Decimal(80))


def test_improvements_come_from_the_rules():
    p = Planner(MINI2, facts2(**BASE2), "en").plan()
    got = [(i.item, i.fact, str(i.after), i.reaches, str(i.gain)) for i in p.improvements]
    # base: 6/40 = 15% inspected, 1.1.1 gets 0 and 1.1.2 (10% → 0, 50% → full) gets 0.125, cut to 0.12
    assert got == [
        ("1.1.2", "units_inspected", "20", "full", "2.88"),      # 50%: 1.1.2 full and 1.1.1 full (shared fact)
        ("1.1.1", "units_inspected", "12", "full", "2.38"),      # 30%: 1.1.1 +2, 1.1.2 0.12 → 0.5
        ("1.2.1", "violations", "0", "full", "1.50"),
        ("2.1.1", "firms_new", "101", "full", "1.50"),           # growth must reach +1 over last year's 100
        ("2.1.2", "disbursement_rate", "100", "full", "1.23"),   # 2.1.2 +1, 2.1.3 0.77 → 1
        ("1.1.1", "units_inspected", "8", "tier-2", "1.13"),
        ("1.2.2", "plan_issued", "True", "full", "1.00"),
        ("2.1.3", "disbursement_rate", "95", "full", "0.73"),
        ("2.1.2", "disbursement_rate", "90", "tier-2", "0.61"),
        ("2.1.1", "firms_new", "100", "tier-2", "0.50"),
    ]
    gains = [i.gain for i in p.improvements]
    assert gains == sorted(gains, reverse=True)


def test_plan_target_and_simulation_agree_exactly():
    planner = Planner(MINI2, facts2(**BASE2), "en")
    p = planner.plan(Decimal(90))
    assert p.reachable is True
    sim = simulate(MINI2, facts2(**BASE2), dict(p.chosen), "en")
    assert sim.total_after - sim.total_before == p.after.total - p.before.total
    assert sim.index_after == p.after.index >= Decimal(90)
    assert len(p.chosen) == brute_force_minimum(planner, Decimal(90))


def test_unreachable_target_is_said():
    p = Planner(MINI2, facts2(**{**BASE2, "satisfaction": Decimal(0)}), "en").plan(Decimal(99))
    assert (p.reachable, p.chosen, p.after) == (False, None, None)
    assert p.best_possible == Decimal("83.33")  # every appraisal point, no survey point: 10/12


fact_sets = st.fixed_dictionaries({
    "units_in_scope": st.integers(1, 50),
    "inspected_share": st.integers(0, 100),
    "violations": st.integers(0, 5),
    "plan_issued": st.booleans(),
    "firms_new": st.integers(0, 120),
    "firms_new_prev": st.integers(0, 120),
    "disbursement_rate": st.integers(40, 100).map(Decimal),
    "satisfaction": st.integers(50, 100).map(Decimal),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fact_sets, st.integers(60, 100).map(Decimal))
def test_planner_is_optimal_against_brute_force(raw, target):
    raw = dict(raw)
    raw["units_inspected"] = raw["units_in_scope"] * raw.pop("inspected_share") // 100
    planner = Planner(MINI2, facts2(**raw), "en")
    p = planner.plan(target)
    expected = brute_force_minimum(planner, target)
    assert (len(p.chosen) if p.chosen is not None else None) == expected
    if p.chosen is not None:
        sim = simulate(MINI2, facts2(**raw), dict(p.chosen), "en")
        assert sim.index_after >= target
        assert sim.total_after == p.after.total


def test_rank_ties_share_a_rank():
    assert competition_rank(Decimal("89.33"), [Decimal("96.17"), Decimal("89.33"), Decimal("89.33"), Decimal("80")]) == 2
    table = PeerTable("p", 2024, (Peer("a", "A", Decimal(92), "illustrative", ""), Peer("b", "B", Decimal(90), "illustrative", ""),
                                  Peer("c", "C", Decimal(90), "illustrative", ""), Peer("me", "Me", Decimal(85), "published", "x")))
    r = project_rank(Decimal(90), table, "me")
    assert (r.rank, r.of, r.previous_rank, r.change) == (2, 4, 4, 2)
    assert project_rank(Decimal("90.01"), table, "me").rank == 2
    assert project_rank(Decimal(93), table, "me").rank == 1


def test_example_peer_table_is_consistent_with_the_published_2024_figures():
    t = load_peers(ROOT / "fixtures/peers-2024.yaml")
    idx = [p.index for p in t.peers]
    assert len(idx) == 63 and sum(idx) / 63 == Decimal("88.37")
    assert sum(1 for x in idx if x >= 90) == 13 and min(idx) > 80 and max(idx) == Decimal("96.17")
    assert t.rank_of("ca-mau") == 20
    assert {p.code for p in t.peers if p.status == "published"} == {"hai-phong", "ca-mau"}


@pytest.mark.parametrize("text,error", [
    ("code,province,index,status,source\nx,X,abc,illustrative,\n", "p.csv:2: row x.index: expected a number such as 89.33, got 'abc' [PS123]"),
    ("code,province,index,status,source\nx,X,80,illustrative,\nx,X2,81,illustrative,\n", "p.csv:3: row x: duplicate province 'x' (first at line 2) [PS122]"),
    ("code,province,index,status,source\nx,X,101.5,illustrative,\n", "p.csv:2: row x.index: an index lies within 0–100, got 101.5 [PS124]"),
    ("code,province,index,status,source\nx,X,88,published,\n", "p.csv:2: row x.source: a published figure needs its source [PS125]"),
    ("code,province,score\nx,X,88\n", "p.csv:1: header: missing column(s) index, status; expected code, province, index, status, "
     "source (separated by commas, semicolons or tabs) [PS120]"),
    ("code;province;index;status;source\nx;X;88,5.1;illustrative;\n", "p.csv:2: row x.index: expected a number such as 89.33, got '88,5.1' [PS123]"),
])
def test_bad_peer_rows_are_located(tmp_path, text, error):
    f = tmp_path / "p.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_peers(f)
    assert [str(p).replace(str(tmp_path) + "/", "") for p in exc.value.problems] == [error]


@pytest.mark.parametrize("text", [
    "code,province,index,status,source\nca-mau,Cà Mau,89.33,published,QĐ 2025\nx,X,88.1,illustrative,\n",
    "code;province;index;status;source\nca-mau;Cà Mau;89,33;published;QĐ 2025\nx;X;88,1;illustrative;\n",
    "code\tprovince\tindex\tstatus\tsource\nca-mau\tCà Mau\t89.33\tpublished\tQĐ 2025\nx\tX\t88.1\tillustrative\t\n",
    'code,province,index,status,source\nca-mau,Cà Mau,"89,33",published,QĐ 2025\nx,X,"88,1",illustrative,\n',
], ids=["commas", "excel-vietnamese-semicolons", "tabs", "quoted-decimal-comma"])
def test_a_peer_csv_saved_by_excel_in_vietnamese_settings_reads_the_same(tmp_path, text):
    """Excel saves CSV with semicolons and decimal commas where the decimal mark is a comma (as
    in Vietnamese settings); such a table was refused for 'missing columns'. Every form gives
    the same peers."""
    f = tmp_path / "p.csv"
    f.write_text(text, encoding="utf-8")
    t = load_peers(f)
    assert [(p.code, p.province, p.index, p.status, p.source) for p in t.peers] == [
        ("ca-mau", "Cà Mau", Decimal("89.33"), "published", "QĐ 2025"), ("x", "X", Decimal("88.1"), "illustrative", "")]


def test_a_yaml_peer_row_that_is_not_a_mapping_is_located(tmp_path):
    """The check mypy took for unreachable (the CSV reader's rows are always mappings; YAML's need not be)."""
    f = tmp_path / "p.yaml"
    f.write_text("year: 2024\nrows:\n  - just a province name\n  - {code: x, province: X, index: 80, status: illustrative}\n",
                 encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_peers(f)
    assert [str(p).replace(str(tmp_path) + "/", "") for p in exc.value.problems] == [
        "p.yaml:3: row: expected {code, province, index, status, source} [PS121]"]


def test_cli_plan_with_target_and_peers():
    r = run_cli("plan", "fixtures/ca-mau-2025/weaknesses.yaml", "--target", "92", "--peers", "fixtures/peers-2024.yaml", "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert "Target index: 92.00%" in r.stdout
    assert ("Index 88.65% → 92.30%; Group B → A; Projected rank 7/34 (carried over by position from 12/63 in the 2024 peer table; "
            "34 provinces are ranked in 2025; 20/63 last time)") in r.stdout
    assert "Optimal: no set of fewer than 6 changes reaches the target" in r.stdout


def test_cli_simulate_set_and_scenario(tmp_path):
    r = run_cli("simulate", "fixtures/ca-mau-2025/weaknesses.yaml", "--set", "par_inspection_units_inspected=25", "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert "1.3.1   Share of agencies and units inspected  0.25 → 0.5  +0.25     partial → full" in r.stdout
    assert "Explanations that disappear\n  1.3.1: 26.5% of agencies, units and localities were inspected for PAR (22/83)" in r.stdout
    sc = tmp_path / "s.yaml"
    sc.write_text("name: Kiểm tra thêm\nnote: Sở Nội vụ kiểm tra thêm 3 đơn vị\nset:\n  par_inspection_units_inspected: 25\n", encoding="utf-8")
    r2 = run_cli("simulate", "fixtures/ca-mau-2025/weaknesses.yaml", "--scenario", str(sc), "-f", "json")
    assert r2.returncode == 0, r2.stderr
    import json
    data = json.loads(r2.stdout)
    assert (data["name"], data["total_before"], data["total_after"], [i["code"] for i in data["items"]]) == (
        "Kiểm tra thêm", 88.65, 88.9, ["1.3.1"])


def test_cli_simulate_bad_set():
    r = run_cli("simulate", "fixtures/ca-mau-2025/weaknesses.yaml", "--set", "par_inspection_units_inspectd=25", "--lang", "en")
    assert r.returncode == 2
    assert r.stderr.strip() == ("parscore: --set: par_inspection_units_inspectd: 'par_inspection_units_inspectd' is not in the catalogue "
                                "(did you mean 'par_inspection_units_inspected'?) [PS075]")


def test_plan_status_on_the_seed_plan():
    r = run_cli("plan-status", "fixtures/ca-mau-2025/weaknesses.yaml", "fixtures/ca-mau-2025/plan-126.yaml", "--on", "2025-12-31",
                "-f", "json", "--lang", "en")
    assert r.returncode == 0, r.stderr
    import json
    data = json.loads(r.stdout)
    states = {t["id"]: t["state"] for t in data["tasks"]}
    assert len(states) == 56 and set(states.values()) == {"met", "not_met"}
    assert sum(1 for s in states.values() if s == "not_met") == 15   # + SIPAS policy 86.1 below 2024's 86.42
    inspection = next(t for t in data["tasks"] if t["serves"] == ["1.3.1"] or "1.3.1" in t["serves"] and "inspect" in t["title"].lower())
    assert inspection["state"] == "not_met" and inspection["lead"] == "Department of Home Affairs" and inspection["at_stake"] > 0
    met = json.loads(run_cli("plan-status", "fixtures/ca-mau-2025/targets-met.yaml", "fixtures/ca-mau-2025/plan-126.yaml",
                             "--on", "2025-12-31", "-f", "json").stdout)
    assert {t["state"] for t in met["tasks"]} == {"met"}


def test_unknown_when_facts_missing_and_overdue_after_deadline(tmp_path):
    from parscore.tracking import load_plan, plan_status
    import datetime as dt
    m = load_methodology("par-province-892")
    plan = tmp_path / "p.yaml"
    plan.write_text(
        "plan: t\ncitation: c\nagency: x\nunits: {snv: {vi: Sở Nội vụ, en: DoHA}}\ntasks:\n"
        "  - {id: a, section: s, title: {vi: a, en: a}, lead: snv, deadline: 2025-06-30, serves: ['1.3'],"
        " target: {fact: par_inspection_coverage_rate, at_least: 30}}\n", encoding="utf-8")
    p = load_plan(plan, m)
    facts = Facts("f", Agency(code="x", name="X"), 2025, None, {"par_inspection_units_in_scope": 10, "par_inspection_units_inspected": 2})
    s = plan_status(m, facts, p, dt.date(2025, 7, 1)).tasks[0]
    assert (s.state, s.timing) == ("not_met", "overdue")
    assert plan_status(m, facts, p, dt.date(2025, 6, 30)).tasks[0].timing == "due"
    empty = Facts("f", Agency(code="x", name="X"), 2025, None, {})
    assert plan_status(m, empty, p, dt.date(2025, 7, 1)).tasks[0].state == "unknown"


def test_lead_units_most_specific_wins():
    from parscore.units import load_lead_units
    m = load_methodology("par-province-892")
    u = load_lead_units(ROOT / "fixtures/ca-mau-2025/lead-units.yaml", m)
    assert u.for_item("1.3.1").lead == "snv"
    assert u.for_item("1.6.1").lead == "vp-ubnd"      # 1.6 overrides field 1
    assert u.for_item("7.3.1").lead == "vp-ubnd" and u.for_item("7.1.1").lead == "skhcn"
    assert u.for_item("8.4.1").lead == "stc" and u.for_item("8.5.1").lead == "vp-ubnd"


def test_plan_status_refuses_another_agencys_plan(tmp_path):
    """An appraisal of another agency was refused (PS151); a plan of another agency was judged
    against this agency's facts in silence."""
    plan = (ROOT / "fixtures/ca-mau-2025/plan-126.yaml").read_text(encoding="utf-8")
    line = next(i for i, x in enumerate(plan.splitlines(), 1) if x.startswith("agency:"))
    (tmp_path / "p.yaml").write_text(plan.replace("\nagency: ca-mau\n", "\nagency: bac-lieu\n"), encoding="utf-8")
    r = run_cli("plan-status", "fixtures/ca-mau-2025/weaknesses.yaml", str(tmp_path / "p.yaml"), "--on", "2025-12-31",
                "--lang", "en")
    assert (r.returncode, r.stderr.strip()) == (2, f"parscore: {tmp_path / 'p.yaml'}:{line}: agency: the plan of bac-lieu, "
                                                   "but the facts are ca-mau's; give this agency's plan [PS145]")


def test_another_agencys_lead_units_are_refused_on_the_command_line_and_the_web_page(tmp_path):
    """Another province's lead-unit file named its departments as leading this one's improvements."""
    units = (ROOT / "fixtures/ca-mau-2025/lead-units.yaml").read_text(encoding="utf-8")
    other = tmp_path / "lu.yaml"
    other.write_text(units.replace("\nagency: ca-mau\n", "\nagency: bac-lieu\n"), encoding="utf-8")
    r = run_cli("plan", "fixtures/ca-mau-2025/weaknesses.yaml", "--units", str(other), "--lang", "en")
    assert (r.returncode, r.stderr.strip()) == (2, f"parscore: {other}: agency: the lead units of bac-lieu, but the facts "
                                                   "are ca-mau's; give this agency's lead-unit file [PS113]")
    from parscore.web.core import load_request

    weak = (ROOT / "fixtures/weak-province-2025.yaml").read_text(encoding="utf-8")
    with pytest.raises(InputError) as e:   # the web page: another province's facts with Cà Mau's bundled units
        load_request(text=weak, units="ca-mau-2025")
    assert [(p.code, p.message) for p in e.value.problems] == [
        ("PS113", "the lead units of ca-mau, but the facts are minh-hoa's; give this agency's lead-unit file")]
    assert load_request(text=weak).units is None and load_request(example="ca-mau-2025", units="ca-mau-2025").units
