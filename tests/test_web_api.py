"""The HTTP API answers exactly what the CLI prints for the same files (byte for byte),
and bad input gets the CLI's located problems as JSON with status 422."""
from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import pytest
import yaml

from parscore.cli import main
from parscore.resources import data_root

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from parscore.web.app import app

ROOT = Path(__file__).resolve().parents[1]
CA_MAU = "fixtures/ca-mau-2025/weaknesses.yaml"
WEAK = "fixtures/weak-province-2025.yaml"
INCOMPLETE = "fixtures/incomplete-2025.yaml"
PLANTED = "fixtures/audit/planted.yaml"
PEERS = "fixtures/peers-2024.yaml"
HEADER = {"X-Parscore-CSRF": "1"}


@pytest.fixture(scope="module")
def client():
    return TestClient(app, base_url="http://127.0.0.1:8892")


@pytest.fixture()
def cli(capsys, monkeypatch):
    """The CLI in-process (from the repository root, as the README runs it): stdout and exit code."""
    monkeypatch.chdir(ROOT)

    def run(*args: str) -> tuple[str, int]:
        capsys.readouterr()
        rc = main(list(args))
        captured = capsys.readouterr()
        run.err = captured.err
        return captured.out, rc
    return run


def _cli_problems(err: str, path: Path, name: str) -> list[str]:
    """The CLI's problem lines, with the file's path written as the upload's name."""
    return [line.removeprefix("parscore: ").replace(str(path), name) for line in err.splitlines()]


def _upload(client, path: str, url: str, **fields):
    data = Path(ROOT / path).read_bytes()
    return client.post(url, files={"facts": (Path(path).name, data)}, data=fields, headers=HEADER)


@pytest.mark.parametrize("path,fields", [(WEAK, {}), (INCOMPLETE, {}),
                                         # the file names its lead-unit file; over HTTP the bundled one is chosen by name
                                         ("fixtures/ca-mau-2025/targets-met.yaml", {"units": "ca-mau-2025"})])
def test_score_upload_equals_cli_json(client, cli, path, fields, monkeypatch):
    # the card names missing facts' locations by the file name as given: run the CLI on the same bare name
    monkeypatch.chdir(ROOT / Path(path).parent)
    out, rc = cli("score", Path(path).name, "-f", "json")
    r = _upload(client, path, "/api/score", **fields)
    assert rc == 0 and r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.content == out.encode("utf-8")


def test_score_json_body_with_peers_and_units_equals_cli(client, cli):
    """A facts file's lead_units path is not followed over HTTP; the bundled assignment is named instead."""
    out, _ = cli("score", CA_MAU, "-f", "json", "--peers", PEERS, "--lang", "en")
    text = (ROOT / CA_MAU).read_text(encoding="utf-8")
    r = client.post("/api/score", json={"facts": text, "peers": "peers-2024", "units": "ca-mau-2025", "lang": "en"})
    assert r.status_code == 200
    assert r.content == out.encode("utf-8")
    assert json.loads(r.content)["by_unit"] and json.loads(r.content)["rank"]["peers"] == PEERS


def test_score_bundled_example_and_json_mapping_equal_cli(client, cli):
    out, _ = cli("score", CA_MAU, "-f", "json")
    assert client.post("/api/score", json={"example": "ca-mau-2025"}).content == out.encode("utf-8")
    out, _ = cli("score", WEAK, "-f", "json")
    mapping = yaml.safe_load((ROOT / WEAK).read_text(encoding="utf-8"))
    assert client.post("/api/score", json={"facts": json.loads(json.dumps(mapping, default=str))}).content == out.encode("utf-8")


def test_score_workbook_upload_equals_cli(client, cli, tmp_path):
    xlsx = tmp_path / "ca-mau.xlsx"
    from parscore.excel import write_template
    from parscore.workflow import load_inputs
    m, facts = load_inputs(ROOT / CA_MAU)
    write_template(m, xlsx, "vi", None, filled=facts)
    out, rc = cli("score", str(xlsx), "-f", "json")
    r = client.post("/api/score", files={"facts": ("ca-mau.xlsx", xlsx.read_bytes())}, headers=HEADER)
    assert rc == 0 and r.status_code == 200 and r.content == out.encode("utf-8")


def test_simulate_equals_cli(client, cli):
    out, rc = cli("simulate", CA_MAU, "--set", "par_inspection_units_inspected=25", "--set", "tthc_feedback_channels_complete=false",
                  "-f", "json", "--peers", PEERS)
    assert rc == 0
    r = client.post("/api/simulate", json={"example": "ca-mau-2025", "peers": "peers-2024",
                                           "changes": {"par_inspection_units_inspected": 25, "tthc_feedback_channels_complete": "false"}})
    assert r.status_code == 200 and r.content == out.encode("utf-8")
    r = _upload(client, CA_MAU, "/api/simulate", set=["par_inspection_units_inspected=25", "tthc_feedback_channels_complete=false"],
                peers="peers-2024", units="ca-mau-2025")
    assert r.status_code == 200 and r.content == out.encode("utf-8")


def test_simulate_scenario_equals_cli(client, cli, tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text("name: thử\nnote: ghi chú\nset:\n  par_inspection_units_inspected: 30\n  grdp_growth_rate_actual: null\n", encoding="utf-8")
    out, rc = cli("simulate", WEAK, "--scenario", str(scen), "-f", "json")
    assert rc == 0
    r = client.post("/api/simulate", json={"example": "weak-province-2025", "scenario": scen.read_text(encoding="utf-8")})
    assert r.status_code == 200
    # the CLI names an unnamed scenario after its file; this one is named, so the JSON is the same
    assert r.content == out.encode("utf-8")


@pytest.mark.parametrize("target", [None, "92", "99,5"])
def test_plan_equals_cli(client, cli, target):
    args = ["plan", CA_MAU, "-f", "json", "--peers", PEERS] + (["--target", target] if target else [])
    out, rc = cli(*args)
    body = {"example": "ca-mau-2025", "peers": "peers-2024"} | ({"target": target} if target else {})
    r = client.post("/api/plan", json=body)
    assert rc == 0 and r.status_code == 200 and r.content == out.encode("utf-8")


def test_audit_equals_cli(client, cli):
    out, rc = cli("audit", PLANTED, "-f", "json", "--fail-on", "never")
    r = _upload(client, PLANTED, "/api/audit")
    assert rc == 0 and r.status_code == 200 and r.content == out.encode("utf-8")
    assert json.loads(r.content)["findings"]


@pytest.mark.parametrize("kind", ["criteria", "facts"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_catalogues_equal_cli(client, cli, kind, lang):
    out, _ = cli(kind, "-f", "json", "--lang", lang)
    r = client.get(f"/api/{kind}", params={"lang": lang})
    assert r.status_code == 200 and r.content == out.encode("utf-8")


# ---------------------------------------------------------------- bad input: the CLI's problems, as JSON, 422

def _problems(r) -> list[dict]:
    assert r.status_code == 422, r.text
    return r.json()["problems"]


def test_bad_facts_upload_gives_the_cli_problems_with_the_upload_name(client, cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("agency: {code: x, name: X}\nyear: 2025\nfacts:\n  par_inspection_units_inspected: 89,33\n  no_such_fact: 1\n", encoding="utf-8")
    _, rc = cli("score", str(bad), "-f", "json")
    assert rc == 2
    r = client.post("/api/score", files={"facts": ("../../etc/bad.yaml", bad.read_bytes())}, headers=HEADER)
    probs = _problems(r)
    assert [p["code"] for p in probs] == ["PS078", "PS075"] or sorted(p["code"] for p in probs) == ["PS075", "PS078"]
    assert {p["file"] for p in probs} == {"bad.yaml"}
    assert {p["line"] for p in probs} == {4, 5}
    assert [p["text"] for p in probs] == _cli_problems(cli.err, bad, "bad.yaml")


def test_bad_json_body_names_the_request(client):
    probs = _problems(client.post("/api/score", json={"facts": "year: 1999\nfacts: {}\n"}))
    assert probs[0]["file"] == "request" and probs[0]["code"] == "PS072" and probs[0]["line"] == 1


@pytest.mark.parametrize("body,code", [
    ({"facts": "methodology: ../../criteria/par-province-892.yaml\nfacts: {}\n"}, "PS350"),
    ({"facts": "methodology: /etc/passwd\nfacts: {}\n"}, "PS350"),
    ({"example": "../fixtures/ca-mau-2025/weaknesses"}, "PS351"),
    ({"example": "ca-mau-2025", "peers": "/etc/passwd"}, "PS351"),
    ({"example": "ca-mau-2025", "units": "../lead-units.yaml"}, "PS351"),
    ({"example": "ca-mau-2025", "methodology": "criteria/par-province-892"}, "PS350"),
    ({}, "PS354"),
    ({"example": "ca-mau-2025", "facts": "facts: {}"}, "PS354"),
    ({"example": "ca-mau-2025", "bogus": 1}, "PS356"),
    ({"example": "ca-mau-2025", "lang": "fr"}, "PS356"),
])
def test_no_path_from_a_request_reaches_the_file_system(client, body, code):
    probs = _problems(client.post("/api/score", json=body))
    assert code in {p["code"] for p in probs}


def test_simulate_bad_changes(client):
    probs = _problems(client.post("/api/simulate", json={"example": "ca-mau-2025", "changes": {"par_inspection_units_inspected": "hai"}}))
    assert probs[0]["code"] == "PS078" and probs[0]["field"] == "par_inspection_units_inspected"
    probs = _problems(client.post("/api/simulate", json={"example": "ca-mau-2025", "changes": {}}))
    assert probs[0]["code"] == "PS131"
    probs = _problems(client.post("/api/simulate", json={"example": "ca-mau-2025", "changes": {"par_inspection_units_inspected": 999}}))
    assert probs[0]["code"] == "PS079"
    probs = _problems(client.post("/api/simulate", json={"example": "ca-mau-2025", "scenario": "set: []\n"}))
    assert probs[0]["code"] == "PS130" and probs[0]["file"] == "scenario"


def test_audit_bad_input_is_located_like_the_cli(client, cli, tmp_path):
    bad = tmp_path / "claims.yaml"
    bad.write_text("agency: {code: x, name: X}\nyear: 2025\nfacts: {}\nclaimed:\n  '9.9.9': 1\n", encoding="utf-8")
    _, rc = cli("audit", str(bad), "-f", "json")
    assert rc == 2
    probs = _problems(client.post("/api/audit", files={"facts": ("claims.yaml", bad.read_bytes())}, headers=HEADER))
    assert probs[0]["file"] == "claims.yaml" and probs[0]["line"] == 5 and probs[0]["field"].startswith("claimed")
    assert [p["text"] for p in probs] == _cli_problems(cli.err, bad, "claims.yaml")


def test_plan_bad_target(client, cli):
    probs = _problems(client.post("/api/plan", json={"example": "ca-mau-2025", "target": "120"}))
    assert probs[0]["code"] == "PS132"


def test_catalogue_unknown_methodology(client):
    probs = _problems(client.get("/api/criteria", params={"methodology": "../criteria/par-province-892"}))
    assert probs[0]["code"] == "PS350"


def test_not_a_workbook_and_not_utf8(client):
    probs = _problems(client.post("/api/score", files={"facts": ("x.xlsx", b"PK\x03\x04garbage")}, headers=HEADER))
    assert probs[0]["code"] == "PS180" and probs[0]["file"] == "x.xlsx"
    probs = _problems(client.post("/api/score", files={"facts": ("x.yaml", b"agency: \xff\n")}, headers=HEADER))
    assert probs[0]["code"] == "PS003"


def test_zip_bomb_workbook_refused_before_unpacking(client):
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/big.xml", b"\0" * (60 * 1024 * 1024))
    assert len(buf.getvalue()) < 1024 * 1024
    probs = _problems(client.post("/api/score", files={"facts": ("bomb.xlsx", buf.getvalue())}, headers=HEADER))
    assert probs[0]["code"] == "PS352"


def test_upload_size_capped(client):
    big = b"# " + b"x" * (6 * 1024 * 1024) + b"\n"
    r = client.post("/api/score", files={"facts": ("big.yaml", big)}, headers=HEADER)
    assert r.status_code == 413 and r.json()["problems"][0]["code"] == "PS002"
    r = client.post("/api/score", content=b'{"facts": "' + b"x" * (6 * 1024 * 1024) + b'"}', headers={"Content-Type": "application/json"})
    assert r.status_code == 413

    def chunks():                      # no Content-Length: counted as it arrives
        yield b'{"facts": "'
        for _ in range(7):
            yield b"x" * (1024 * 1024)
        yield b'"}'
    r = client.post("/api/score", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["problems"][0]["code"] == "PS002"


def test_form_posts_need_the_csrf_header_and_same_origin(client):
    data = (ROOT / WEAK).read_bytes()
    probs = _problems(client.post("/api/score", files={"facts": ("w.yaml", data)}))
    assert probs[0]["code"] == "PS353"
    r = client.post("/api/score", json={"example": "ca-mau-2025"}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["problems"][0]["code"] == "PS353"
    r = client.post("/api/score", content=b"facts: {}", headers={"Content-Type": "text/plain"})
    assert _problems(r)[0]["code"] == "PS356"


def test_security_headers_on_every_response(client):
    for r in (client.get("/"), client.get("/api/criteria"), client.post("/api/score", json={}), client.get("/static/parscore.js")):
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "script-src 'self'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"


def test_openapi_committed_copy_equals_served(client):
    served = client.get("/openapi.json").json()
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == served, "regenerate: python -m parscore.web.openapi > docs/openapi.json"
    assert {"/api/score", "/api/simulate", "/api/plan", "/api/audit", "/api/criteria", "/api/facts"} <= set(served["paths"])


def test_no_file_is_written(client, tmp_path, monkeypatch):
    """Scoring an upload and downloading every format leaves the working directory and the temp dir untouched."""
    import tempfile
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _upload(client, CA_MAU, "/api/score")
    client.post("/api/plan", json={"example": "ca-mau-2025", "target": "92"})
    assert list(tmp_path.iterdir()) == []


def test_uploads_stay_in_memory(client, monkeypatch):
    """An upload above Starlette's 1 MiB default is not spooled to a (hidden, unlinked) temporary file."""
    import starlette.formparsers as fp
    made = []

    class Probe(fp.SpooledTemporaryFile):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            made.append(self)

        def close(self):
            self.rolled_at_close = self._rolled
            super().close()
    monkeypatch.setattr(fp, "SpooledTemporaryFile", Probe)
    big = (ROOT / WEAK).read_bytes() + b"# " + b"x" * (3 * 1024 * 1024) + b"\n"
    r = client.post("/api/score", files={"facts": ("big.yaml", big)}, headers=HEADER)
    assert r.status_code == 200 and made
    assert not any(getattr(f, "rolled_at_close", f._rolled) for f in made)
    assert data_root().exists()


def test_a_bug_answers_500_with_a_code_and_one_line_not_a_traceback(client, monkeypatch, capsys):
    import parscore.web.api as api

    def broken(*a, **kw):
        raise RuntimeError("boom")
    monkeypatch.setattr(api, "score", broken)
    r = client.post("/api/score", json={"example": "ca-mau-2025"})
    assert r.status_code == 500 and r.json()["problems"][0]["code"] == "PS369"
    assert "content-security-policy" in r.headers
    err = capsys.readouterr().err
    assert "RuntimeError: boom [PS369]" in err and "Traceback" not in err


@pytest.mark.parametrize("host,ok", [("127.0.0.1:8892", True), ("localhost:8892", True), ("[::1]:8892", True), ("localhost", True),
                                     ("evil.example:8892", False), ("127.0.0.1.nip.io", False), ("[::2]:1", False)])
def test_only_loopback_host_names_are_answered(client, host, ok):
    """DNS rebinding: another site's name pointed at 127.0.0.1 must not reach the server as 'same origin'."""
    r = client.get("/api/criteria", headers={"Host": host})
    assert (r.status_code == 200) is ok
    if not ok:
        assert r.status_code == 400 and r.json()["problems"][0]["code"] == "PS360"


@pytest.mark.parametrize("send", ["json", "form"])
def test_problems_come_back_in_the_bodys_language(client, send):
    """`lang` in the body, not only ?lang=, chooses the problems' language (it used to be Vietnamese always)."""
    facts = "year: 1999\nfacts: {}\n"
    if send == "json":
        en = client.post("/api/score", json={"facts": facts, "lang": "en"})
        vi = client.post("/api/score", json={"facts": facts})
    else:
        upload = {"facts": ("f.yaml", facts.encode("utf-8"))}
        en = client.post("/api/score", files=upload, data={"lang": "en"}, headers=HEADER)
        vi = client.post("/api/score", files=upload, headers=HEADER)
    p_en, p_vi = _problems(en)[0], _problems(vi)[0]
    assert p_en["code"] == p_vi["code"] == "PS072"
    from parscore.i18n import translate
    assert p_vi["message"] == translate("PS072", p_en["message"], "vi") != p_en["message"]


@pytest.mark.parametrize("baseline,path", [("ca-mau-2024", "fixtures/ca-mau-2024.yaml"),
                                           ("results-2024", "fixtures/results-2024.yaml")])
def test_project_equals_the_cli(client, cli, baseline, path):
    """`/api/project` is `parscore project -f json`, byte for byte, the survey drawn around a bundled last year."""
    out, rc = cli("project", CA_MAU, "--baseline", path, "--redraw-survey", "--samples", "400", "--seed", "7",
                  "--target", "90", "-f", "json")
    assert rc == 0
    r = client.post("/api/project", json={"example": "ca-mau-2025", "baseline": baseline, "redraw_survey": True,
                                          "samples": 400, "seed": 7, "target": "90"})
    assert r.status_code == 200 and r.text == out
    assert json.loads(r.text)["samples"] == 400


def test_project_takes_only_a_bundled_last_year(client):
    probs = _problems(client.post("/api/project", json={"example": "ca-mau-2025", "baseline": "../fixtures/ca-mau-2024.yaml"}))
    assert probs[0]["code"] == "PS351" and probs[0]["field"] == "baseline"


def test_a_problem_with_a_bundled_file_names_it_as_the_repository_does_never_by_the_servers_path(client):
    """A request pairing another province's facts with Cà Mau's bundled last year or lead units is
    refused; the answer named the bundled file by the server's own path (/…/fixtures/ca-mau-2024.yaml)."""
    from parscore.resources import data_root

    weak = (data_root() / WEAK).read_text(encoding="utf-8")
    answers = [client.post("/api/project", json={"facts": weak, "baseline": "ca-mau-2024", "samples": 50, "lang": "en"}, headers=HEADER),
               client.post("/api/project", json={"facts": weak, "baseline": "results-2024", "samples": 50, "lang": "en"}, headers=HEADER),
               client.post("/api/score", json={"facts": weak, "units": "ca-mau-2025", "lang": "en"}, headers=HEADER)]
    got = [(r.status_code, r.json()["problems"][0]["file"], r.json()["problems"][0]["code"]) for r in answers]
    assert got == [(422, "fixtures/ca-mau-2024.yaml", "PS312"), (422, "fixtures/results-2024.yaml", "PS312"),
                   (422, "fixtures/ca-mau-2025/lead-units.yaml", "PS113")]
    assert not any(str(data_root()) in r.text for r in answers)
