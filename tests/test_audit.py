"""The appraiser's audit: exact findings on a fixture with planted problems, exit codes, JUnit."""
from __future__ import annotations

import json

from conftest import ROOT, run_cli

PLANTED = "fixtures/audit/planted.yaml"


def test_planted_problems_yield_exactly_those_findings():
    r = run_cli("audit", PLANTED, "-f", "json", "--lang", "en")
    assert r.returncode == 1, r.stderr
    findings = [(f["code"], f["severity"], f["item"]) for f in json.loads(r.stdout)["findings"]]
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
