"""The CLI end to end on every fixture, the JSON contract, and the methodology's invariants."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli

def _is_facts_file(p: Path) -> bool:
    data = yaml.safe_load(p.read_text(encoding="utf-8"))
    return isinstance(data, dict) and {"agency", "year", "facts"} <= set(data)


# fixtures/audit/ holds files with planted problems that `score` must refuse
FIXTURES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "fixtures").rglob("*.yaml")
                  if _is_facts_file(p) and p.parent.name != "audit")


def test_fixtures_found():
    assert set(FIXTURES) >= {"fixtures/ca-mau-2025/targets-met.yaml", "fixtures/ca-mau-2025/weaknesses.yaml",
                             "fixtures/weak-province-2025.yaml", "fixtures/incomplete-2025.yaml"}


@pytest.mark.parametrize("fixture", FIXTURES)
def test_every_fixture_scores_with_an_explanation_for_every_point_lost(fixture):
    r = run_cli("score", fixture, "-f", "json")
    assert r.returncode == 0, r.stderr
    card = json.loads(r.stdout)
    for key in ("methodology", "agency", "year", "total", "max", "index", "group", "fields", "items"):
        assert key in card
    unit = card.get("unit")
    if unit is None:
        assert card["methodology"]["id"] == "par-province-892" and card["methodology"]["version"] == "2024-12-05"
    else:   # a department's or commune's facts, under its province's internal methodology
        assert card["methodology"]["id"] in ("par-department-ca-mau", "par-commune-ca-mau") and unit["illustrative"] is True
    lost = Decimal(0)
    for it in card["items"]:
        assert set(it) >= {"code", "points", "max", "status", "provenance", "claimed", "deductions"}
        item_lost = sum((Decimal(str(d["points"])) for d in it["deductions"]), Decimal(0))
        if it["status"] == "not_applicable":
            assert it["deductions"] == []
        else:
            assert item_lost == Decimal(str(it["max"])) - Decimal(str(it["points"]))
        for d in it["deductions"]:
            assert d["reason"].strip() and set(d) >= {"points", "reason", "rule", "facts", "thresholds"}
        lost += item_lost
    net = Decimal(str(unit["bonus"] or 0)) - Decimal(str(unit["penalty"] or 0)) if unit else Decimal(0)
    assert lost == Decimal(str(card["applicable_max"])) - (Decimal(str(card["total"])) - net)
    for f in card["fields"]:
        assert set(f) >= {"code", "points", "max", "index"}
    r2 = run_cli("score", fixture, "--lang", "en")
    assert r2.returncode == 0 and "PAR INDEX (projected)" in r2.stdout and "PROVENANCE:" in r2.stdout
    r3 = run_cli("score", fixture, "-f", "markdown")
    assert r3.returncode == 0 and r3.stdout.startswith("# CHỈ SỐ CẢI CÁCH HÀNH CHÍNH")


def test_targets_met_and_weaknesses_score_as_the_plan_says():
    met = json.loads(run_cli("score", "fixtures/ca-mau-2025/targets-met.yaml", "-f", "json").stdout)
    weak = json.loads(run_cli("score", "fixtures/ca-mau-2025/weaknesses.yaml", "-f", "json").stdout)
    appraisal_met = [it for it in met["items"] if it["assessed_by"] == "appraisal"]
    assert all(it["status"] in ("full", "not_applicable") for it in appraisal_met)
    by_code = {it["code"]: it for it in weak["items"]}
    # the plan's quantified targets, missed in the weaknesses file
    assert by_code["1.3.1"]["status"] == "partial"   # 26.5% inspected < 30%
    assert by_code["1.5.2"]["status"] == "partial"   # 1 MoHA-recognised initiative < 3
    assert by_code["3.3.1"]["status"] == "partial"   # < 100% synced to the National Public Service Portal
    assert by_code["3.4.1"]["status"] == "partial"   # < 100% on time
    assert by_code["6.1.1"]["status"] == "partial"   # < 100% disbursement
    assert (weak["index"], weak["group"]) == (88.65, "B")   # cross-checked item by item against the pre-892-maxima card
    assert met["group"] == "A"


def test_incomplete_file_shows_missing_facts_never_silent_zero():
    card = json.loads(run_cli("score", "fixtures/incomplete-2025.yaml", "-f", "json").stdout)
    missing = [it for it in card["items"] if it["status"] == "missing_facts"]
    assert missing and card["summary"]["by_status"]["missing_facts"] == len(missing)
    for it in missing:
        assert it["points"] == 0 and len(it["deductions"]) == 1
        assert it["deductions"][0]["reason"].startswith("Thiếu số liệu, chưa chấm được (tính 0 điểm): cần cung cấp ")
        assert it["deductions"][0]["points"] == it["max"]


def test_explain_shows_facts_thresholds_and_trace():
    r = run_cli("explain", "fixtures/ca-mau-2025/weaknesses.yaml", "1.3.1", "--lang", "en")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("1.3.1 Share of agencies and units inspected for PAR\nPoints: 0.25 / 0.5 (partial); Rule: par-inspection-coverage [plan-126]")
    assert "par_inspection_units_inspected" in out and "22" in out and "83" in out
    assert "tier_1: at_least 30 → 0.5" in out and "reached: tier_2" in out
    assert "derive:par_inspection_coverage_rate" in out and "par-inspection-coverage#tier-2" in out


def test_criteria_shows_the_confirmed_invariants():
    r = run_cli("criteria", "--lang", "en")
    assert r.returncode == 0
    assert r.stdout.splitlines()[0] == ("par-province-892 (version 2024-12-05): 8 fields, 38 criteria, 88 sub-criteria; "
                                        "100 points = 68 appraisal + 32 survey")
    data = json.loads(run_cli("criteria", "-f", "json").stdout)
    assert data["counts"] == {"fields": 8, "criteria": 38, "sub_criteria": 88}
    assert (data["total"], data["appraisal"], data["survey"]) == (100.0, 68.0, 32.0)
    leaves = [s for f in data["fields"] for c in f["criteria"] for s in c["sub_criteria"]]
    assert len(leaves) == 88 and all(s["provenance"] in ("reconstructed", "plan-126", "official") for s in leaves)
    assert all(set(s) >= {"code", "name", "max", "assessed_by", "provenance"} for s in leaves)
    assert "official" not in data["provenance"]["maxima"]  # nothing here is official


def test_facts_catalogue_json():
    data = json.loads(run_cli("facts", "-f", "json").stdout)
    names = [d["name"] for d in data]
    assert len(names) == len(set(names))
    for d in data:
        assert set(d) >= {"name", "type", "unit", "better", "description", "used_by"}
        assert d["better"] in ("higher", "lower", "none") and d["used_by"]
    cov = next(d for d in data if d["name"] == "par_inspection_coverage_rate")
    assert cov["formula"] == {"ratio": ["par_inspection_units_inspected", "par_inspection_units_in_scope"]}


def test_json_is_byte_identical_across_runs_and_hash_seeds():
    outs = {run_cli("score", "fixtures/ca-mau-2025/weaknesses.yaml", "-f", "json", env={"PYTHONHASHSEED": seed}).stdout
            for seed in ("0", "1", "12345")}
    assert len(outs) == 1


def test_validate_reports_ok():
    r = run_cli("validate", "criteria/par-province-892.yaml", "fixtures/ca-mau-2025/weaknesses.yaml", "rules/par-province-892", "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["criteria/par-province-892.yaml: OK (methodology)",
                                     "fixtures/ca-mau-2025/weaknesses.yaml: OK (facts for par-province-892)",
                                     "rules/par-province-892: OK (directory)"]
    r = run_cli("validate", "criteria/par-province-892.yaml", "fixtures/ca-mau-2025/weaknesses.yaml", "rules/par-province-892")
    assert r.stdout.splitlines() == ["criteria/par-province-892.yaml: hợp lệ (tệp phương pháp)",
                                     "fixtures/ca-mau-2025/weaknesses.yaml: hợp lệ (tệp số liệu theo phương pháp par-province-892)",
                                     "rules/par-province-892: hợp lệ (thư mục)"]


def test_validate_json_reports_each_path(tmp_path):
    """`validate -f json` writes JSON (it printed the text lines): one record per path, exit 2 on a problem."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("agency: {code: x, name: X}\nyear: 2025\nfacts:\n  a: b: c\n", encoding="utf-8")
    r = run_cli("validate", "fixtures/ca-mau-2025/weaknesses.yaml", str(bad), "-f", "json", "--lang", "en")
    assert r.returncode == 2
    records = json.loads(r.stdout)
    assert records[0] == {"path": "fixtures/ca-mau-2025/weaknesses.yaml", "valid": True, "what": "facts for par-province-892"}
    assert records[1]["valid"] is False and [(p["line"], p["code"]) for p in records[1]["problems"]] == [(4, "PS005")]
    assert f"{bad}:4: malformed YAML" in r.stderr


def test_yes_no_facts_may_be_written_co_khong(tmp_path):
    """`parscore facts` calls a yes/no fact's type có/không; a file may say so (it was refused,
    with a Vietnamese message asking for 'true (có)' on the very word 'có')."""
    from parscore import load_facts, load_methodology

    f = tmp_path / "f.yaml"
    f.write_text("agency: {code: ca-mau, name: X}\nyear: 2025\nfacts:\n  commune_officials_roadmap_issued: Có\n"
                 "  decentralisation_inspection_conducted: \"không\"\n", encoding="utf-8")
    facts = load_facts(f, load_methodology("par-province-892"))
    assert facts.values["commune_officials_roadmap_issued"] is True
    assert facts.values["decentralisation_inspection_conducted"] is False
