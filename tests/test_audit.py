"""The appraiser's audit: exact findings on a fixture with planted problems, exit codes, JUnit."""
from __future__ import annotations

import json

from conftest import ROOT, run_cli

PLANTED = "fixtures/audit/planted.yaml"


def test_planted_problems_yield_exactly_those_findings():
    r = run_cli("audit", PLANTED, "-f", "json", "--lang", "en")
    assert r.returncode == 1, r.stderr
    findings = [(f["code"], f["severity"], f["item"]) for f in json.loads(r.stdout)["findings"] if f["code"] != "AU013"]
    assert findings == [("AU010", "error", None), ("AU001", "error", "1.3.1"), ("AU004", "error", "8.1.1"),
                        ("AU006", "warning", "3.4.1")]
    messages = {f["code"]: f["message"] for f in json.loads(r.stdout)["findings"]}
    assert messages["AU004"] == "A survey-scored item cannot be self-scored (claimed 5 points)."
    assert messages["AU010"] == ("Facts contradict each other: tthc_feedback_resolved = 77 is larger than its whole "
                                 "tthc_feedback_received = 74; a part cannot exceed its whole")
    assert messages["AU001"].startswith("Claimed 0.5 points but the rules give 0.25 (difference 0.25). 24.09% of agencies")


def test_score_refuses_what_audit_reports():
    r = run_cli("score", PLANTED)
    assert r.returncode == 2 and "PS079" in r.stderr


def test_fail_on_threshold():
    assert run_cli("audit", "fixtures/ca-mau-2025/targets-met.yaml").returncode == 0          # warnings only
    assert run_cli("audit", "fixtures/ca-mau-2025/targets-met.yaml", "--fail-on", "warning").returncode == 1
    assert run_cli("audit", PLANTED, "--fail-on", "never").returncode == 0


def test_weaknesses_fixture_over_claims_are_found():
    r = run_cli("audit", "fixtures/ca-mau-2025/weaknesses.yaml", "-f", "json")
    over = sorted(f["item"] for f in json.loads(r.stdout)["findings"] if f["code"] == "AU001")
    assert over == ["1.3.1", "2.2.2", "3.3.1", "8.5.1"]


def test_junit_output_parses_with_a_real_junit_parser(tmp_path):
    from junitparser import Failure, JUnitXml

    r = run_cli("audit", PLANTED, "-f", "junit", "--lang", "en")
    out = tmp_path / "audit.xml"
    out.write_text(r.stdout, encoding="utf-8")
    xml = JUnitXml.fromfile(str(out))
    cases = {c.name: c for suite in ([xml] if xml._tag == "testsuite" else xml) for c in suite}
    assert set(cases) >= {"file", "1.3.1", "3.4.1", "8.1.1"}
    failed = {name for name, c in cases.items() if any(isinstance(x, Failure) for x in c.result)}
    assert failed == {"file", "1.3.1", "3.4.1", "8.1.1"}
    assert cases["8.1.1"].result[0].type == "AU004 error"


def test_missing_data_and_missing_evidence_are_findings(tmp_path):
    """AU012: every item left unscored for want of data, with the facts to supply and the
    points held; AU013: an appraisal item whose facts carry no evidence and no explanation."""
    doc = tmp_path / "f.yaml"
    doc.write_text("""agency: {code: x, name: "UBND tỉnh X"}
year: 2025
facts:
  par_inspection_units_in_scope: {value: 60, evidence: {number: "12/QĐ-UBND", date: 2025-01-20, issuer: "UBND tỉnh X"}}
  par_inspection_units_inspected: {value: 20, evidence: {number: "45/BC-SNV", date: 2025-11-20, issuer: "Sở Nội vụ"}}
  par_reports_late_or_missing: 0
  grdp_growth_rate_actual: null
""", encoding="utf-8")
    r = run_cli("audit", str(doc), "-f", "json", "--lang", "en")
    assert r.returncode == 0, r.stderr          # warnings only
    found = json.loads(r.stdout)["findings"]
    card = json.loads(run_cli("score", str(doc), "-f", "json", "--lang", "en").stdout)
    unscored = {it["code"]: it for it in card["items"] if it["status"] == "missing_facts"}
    assert {f["item"] for f in found if f["code"] == "AU012"} == set(unscored)
    assert all(f["severity"] == "warning" for f in found if f["code"] in ("AU012", "AU013"))
    inspection = [f for f in found if f["item"] == "1.3.1"]
    assert inspection == []                     # scored, and both its facts carry evidence
    msg = {f["item"]: f["message"] for f in found if f["code"] == "AU013"}
    assert msg == {"1.2.1": "Evidence is missing for par_reports_late_or_missing, with no explanation."}
    grdp = next(f for f in found if f["code"] == "AU012" and "grdp_growth_rate_actual" in f["message"])
    assert f"supply grdp_growth_rate_actual (fill in {doc}:7), grdp_growth_rate_target." in grdp["message"]
    assert grdp["message"].startswith("Data missing, so the item is not scored (")


def test_a_percentage_typed_as_a_fraction_is_flagged_with_the_number_meant(tmp_path):
    """0.861 for 86.1 % is read as 0.861 % (percentages are written 0–100, the catalogue's unit
    decides): the item scores almost nothing, and only the explanation's '0.861%' shows why."""
    from conftest import facts_text

    text = facts_text(ROOT / "fixtures/ca-mau-2025/weaknesses.yaml").replace("sipas_policy_satisfaction: 86.1",
                                                                               "sipas_policy_satisfaction: 0.861")
    text = text.replace("lead_units: lead-units.yaml", f"lead_units: {ROOT / 'fixtures/ca-mau-2025/lead-units.yaml'}")
    (tmp_path / "f.yaml").write_text(text, encoding="utf-8")
    line = next(i for i, x in enumerate(text.splitlines(), 1) if x.strip().startswith("sipas_policy_satisfaction:"))
    r = run_cli("audit", str(tmp_path / "f.yaml"), "-f", "json", "--lang", "en", "--fail-on", "never")
    found = [f for f in json.loads(r.stdout)["findings"] if f["code"] == "AU014"]
    assert [(f["severity"], f["item"], f["line"], f["message"]) for f in found] == [
        ("warning", "8.1.1", line, "sipas_policy_satisfaction = 0.861 is read as 0.861 %, although percentages are written "
                                   "0–100 (it feeds 8.1.1); if 86.1 % is meant, write 86.1.")]
    plain = run_cli("audit", "fixtures/ca-mau-2025/weaknesses.yaml", "-f", "json", "--fail-on", "never")
    assert not [f for f in json.loads(plain.stdout)["findings"] if f["code"] == "AU014"]
