"""The page's server side without a browser: stateless what-if, CSRF, downloads, no
external URL, `parscore serve` refusing unsafe addresses."""
from __future__ import annotations

import json
from decimal import Decimal
import re
import socket
import warnings
from pathlib import Path

import pytest
import yaml

from parscore.cli import main
from parscore.reporting import pct
from parscore.scorecard import score
from parscore.workflow import facts_document, load_inputs

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from parscore.web.app import app
from parscore.web.server import check_bind, is_loopback

ROOT = Path(__file__).resolve().parents[1]
CA_MAU = ROOT / "fixtures/ca-mau-2025/weaknesses.yaml"


@pytest.fixture()
def page():
    c = TestClient(app, base_url="http://127.0.0.1:8892")
    r = c.get("/")
    assert r.status_code == 200
    return c, c.cookies.get("parscore_csrf")


def _state(html: str) -> dict[str, str]:
    form = html[html.index('<form id="state"'):html.index("</form>", html.index('<form id="state"'))]
    import html as h
    return {n: h.unescape(v) for n, v in re.findall(r'name="([^"]+)" value="([^"]*)"', form)}


def _index(html: str) -> str:
    return re.search(r'id="index"[^>]*>([^<\s]+)', html).group(1)


def test_open_example_then_what_if_and_undo_are_stateless(page):
    c, tok = page
    m, facts = load_inputs(CA_MAU)
    r = c.post("/ui/open", data={"csrf": tok, "lang": "vi", "example": "ca-mau-2025", "use": "example"})
    assert r.status_code == 200 and _index(r.text) == pct(score(m, facts).index, "vi")
    st = _state(r.text)
    assert st["changes"] == "[]" and st["example"] == "ca-mau-2025" and st["doc"] == ""
    st2 = dict(st, op="set:par_inspection_units_inspected", **{"v:par_inspection_units_inspected": "83"})
    r = c.post("/ui/update", data=st2)
    want = pct(score(m, facts.with_values({"par_inspection_units_inspected": 83})).index, "vi")
    assert r.status_code == 200 and _index(r.text) == want != pct(score(m, facts).index, "vi")
    assert json.loads(_state(r.text)["changes"]) == [["par_inspection_units_inspected", "83"]]
    assert 'id="item-1.3.1" class="st-full changed"' in r.text
    r = c.post("/ui/update", data=dict(_state(r.text), op="undo"))
    assert _index(r.text) == pct(score(m, facts).index, "vi") and _state(r.text)["changes"] == "[]"


def test_a_refused_change_is_explained_and_dropped(page):
    c, tok = page
    r = c.post("/ui/open", data={"csrf": tok, "example": "ca-mau-2025", "use": "example"})
    st = dict(_state(r.text), op="set:par_inspection_units_inspected", **{"v:par_inspection_units_inspected": "9999"})
    r = c.post("/ui/update", data=st)
    assert r.status_code == 422 and "[PS079]" in r.text and _state(r.text)["changes"] == "[]"


def test_uploaded_yaml_is_posted_back_not_stored(page):
    c, tok = page
    r = c.post("/ui/open", data={"csrf": tok}, files={"facts": ("tỉnh.yaml", CA_MAU.read_bytes())})
    st = _state(r.text)
    assert st["name"] == "tỉnh.yaml" and st["doc"] == CA_MAU.read_text(encoding="utf-8")


def test_page_posts_without_the_token_or_from_elsewhere_are_refused(page):
    c, tok = page
    r = c.post("/ui/open", data={"csrf": "forged", "example": "ca-mau-2025", "use": "example"})
    assert r.status_code == 422 and "PS353" in r.text
    r = c.post("/ui/open", data={"csrf": tok, "example": "ca-mau-2025", "use": "example"}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403


@pytest.mark.parametrize("what,magic", [("card:xlsx", b"PK"), ("card:html", b"<!"), ("card:json", b"{"), ("facts:yaml", b"agency"),
                                        ("facts:xlsx", b"PK")])
def test_downloads(page, what, magic):
    c, tok = page
    r = c.post("/ui/open", data={"csrf": tok, "example": "ca-mau-2025", "use": "example"})
    r = c.post("/ui/download", data=dict(_state(r.text), what=what))
    assert r.status_code == 200 and r.content.lstrip().startswith(magic)
    assert r.headers["content-disposition"].startswith('attachment; filename="ca-mau-2025-')


def test_scenario_download_replays_with_the_cli(page, tmp_path, capsys, monkeypatch):
    c, tok = page
    r = c.post("/ui/open", data={"csrf": tok, "example": "weak-province-2025", "use": "example"})
    st = dict(_state(r.text), changes=json.dumps([["par_inspection_units_inspected", "5"], ["grdp_growth_rate_actual", ""]]))
    scen = tmp_path / "s.yaml"
    scen.write_bytes(c.post("/ui/download", data=dict(st, what="scenario")).content)
    assert yaml.safe_load(scen.read_text(encoding="utf-8"))["set"] == {"par_inspection_units_inspected": 5, "grdp_growth_rate_actual": None}
    facts_file = tmp_path / "f.yaml"
    facts_file.write_bytes(c.post("/ui/download", data=dict(st, what="facts:yaml")).content)
    monkeypatch.chdir(ROOT)
    assert main(["simulate", "fixtures/weak-province-2025.yaml", "--scenario", str(scen), "-f", "json"]) == 0
    sim = json.loads(capsys.readouterr().out)
    assert main(["score", str(facts_file), "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["index"] == sim["index_after"]


def test_page_references_nothing_outside_the_server(page):
    c, tok = page
    pages = [c.get("/").text, c.get("/?lang=en").text,
             c.post("/ui/open", data={"csrf": tok, "example": "ca-mau-2025", "use": "example"}).text,
             c.get("/static/parscore.js").text, c.get("/static/parscore.css").text]
    for text in pages:
        assert not re.search(r"(?:src|href|action)\s*=\s*[\"']?(?:https?:)?//", text)
        assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", text) and "@import" not in text
        assert "style=" not in text and "<script>" not in text     # nothing inline: the CSP allows none


def test_english_switch_keeps_the_state(page):
    c, tok = page
    r = c.post("/ui/open", data={"csrf": tok, "example": "ca-mau-2025", "use": "example", "lang": "vi"})
    st = dict(_state(r.text), changes=json.dumps([["par_inspection_units_inspected", "83"]]), op="lang:en")
    r = c.post("/ui/update", data=st)
    assert '<html lang="en">' in r.text and "Missing data" in r.text and _state(r.text)["lang"] == "en"
    assert json.loads(_state(r.text)["changes"]) == [["par_inspection_units_inspected", "83"]]


@pytest.mark.parametrize("path", ["fixtures/ca-mau-2025/weaknesses.yaml", "fixtures/incomplete-2025.yaml", "fixtures/audit/planted.yaml"])
def test_facts_document_round_trips(path):
    """The facts the page posts back (and the YAML download) score exactly like the original file."""
    from parscore.loading import facts_from_document
    from parscore.reporting import to_json
    from parscore.yamlio import load_yaml
    m, facts = load_inputs(ROOT / path, strict=False)
    back = facts_from_document(load_yaml("x.yaml", yaml.safe_dump(facts_document(facts), allow_unicode=True)), m, strict=False)
    assert back.values == facts.values and back.evidence == facts.evidence and back.claimed == facts.claimed
    # the same card, except where a missing fact is to be filled in (another file, other lines)
    assert _without_locations(to_json(score(m, back))) == _without_locations(to_json(score(m, facts)))


def _without_locations(text: str) -> object:
    data = json.loads(text)
    for f in (data["summary"].get("missing") or {}).get("facts", []):
        f.pop("location", None)
    for it in data["items"]:
        for d in it["deductions"]:
            d["reason"] = re.sub(r"(điền tại|fill in at) [^ ]+:\d+", r"\1 …", d["reason"])
    return data


# ---------------------------------------------------------------- parscore serve

@pytest.mark.parametrize("host,ok", [("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.5.0.1", True),
                                     ("0.0.0.0", False), ("192.168.1.10", False), ("example.org", False), ("::", False)])
def test_loopback(host, ok):
    assert is_loopback(host) is ok


def test_serve_refuses_remote_host_bad_port_and_busy_port(capsys):
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "[PS357]" in err and "--allow-remote" in err and "Traceback" not in err
    assert main(["serve", "--port", "70000"]) == 2
    assert "[PS358]" in capsys.readouterr().err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
        assert "[PS359]" in capsys.readouterr().err


def test_allow_remote_lets_a_non_loopback_host_pass_the_check():
    check_bind("0.0.0.0", 0 or _free(), allow_remote=True)   # binds and releases; no error


def _free() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_missing_data_comes_first_with_links_to_the_boxes_to_fill(page):
    c, tok = page
    m, facts = load_inputs(ROOT / "fixtures/incomplete-2025.yaml")
    missing = [it for it in score(m, facts).items if it.status == "missing_facts"]
    html = c.post("/ui/open", data={"csrf": tok, "example": "incomplete-2025", "use": "example"}).text
    section = html[html.index('id="missing-h"'):html.index('id="whatif-h"')]
    assert missing and all(f"<strong>{it.code}</strong>" in section for it in missing)
    assert html.index('id="missing-h"') < html.index('id="items-h"')
    for it in missing:
        for f in (x for d in it.deductions for x in d.facts if x in m.facts):
            assert f'href="#v:{f}"' in section and f'id="v:{f}"' in html


from hypothesis import given, settings, strategies as st  # noqa: E402


def _value_strategy(spec):
    if spec.type == "boolean":
        return st.booleans()
    if spec.type == "count":
        return st.integers(0, 10_000)
    if spec.type == "percent":
        return st.decimals(0, 100, places=2).map(lambda d: d.quantize(Decimal(1)) if d == d.to_integral_value() else d)   # 50, never 5E+1 (refused, as typed)
    if spec.type == "date":
        return st.dates()
    return st.decimals(spec.min if spec.min is not None else -1000, spec.max if spec.max is not None else 1000, places=2)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_law_the_scenario_download_replays_to_the_same_changes(data):
    """scenario_yaml ∘ load_scenario is the identity on any set of changes (removals included)."""
    from parscore.loading import load_methodology
    from parscore.simulation import load_scenario
    from parscore.web.core import parse_change, scenario_yaml
    m = load_methodology("par-province-892")
    names = data.draw(st.lists(st.sampled_from(sorted(m.facts)), min_size=1, max_size=8, unique=True))
    # as the page posts them: text in a box (empty = remove the fact)
    raw = {n: data.draw(st.none() | _value_strategy(m.facts[n])) for n in names}
    text = {n: "" if v is None else ("true" if v is True else "false" if v is False else v.isoformat() if hasattr(v, "isoformat") else str(v))
            for n, v in raw.items()}
    typed = {n: parse_change(n, v, m) for n, v in text.items()}
    _, _, back = load_scenario("s.yaml", m, text=scenario_yaml(typed, "thử"))
    assert back == typed


def test_apply_the_whole_plan_reaches_the_target(page, capsys, monkeypatch):
    c, tok = page
    m, facts = load_inputs(CA_MAU)
    r = c.post("/ui/open", data={"csrf": tok, "example": "ca-mau-2025", "use": "example"})
    r = c.post("/ui/update", data=dict(_state(r.text), target="92", op="plan-all"))
    monkeypatch.chdir(ROOT)
    assert main(["plan", "fixtures/ca-mau-2025/weaknesses.yaml", "--target", "92", "-f", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)["target"]
    assert plan["reachable"]
    assert dict(json.loads(_state(r.text)["changes"])) == plan["changes"]
    assert _index(r.text) == pct(Decimal(str(plan["after"]["index"])), "vi")


def test_download_names_are_ascii_whatever_the_agency(page):
    """A Vietnamese agency name becomes the file name's code; the header must stay latin-1."""
    c, tok = page
    doc = "agency: Tỉnh Cà Mau\nyear: 2025\nfacts:\n  par_inspection_units_in_scope: 10\n"
    r = c.post("/ui/open", data={"csrf": tok, "lang": "en"}, files={"facts": ("f.yaml", doc.encode())})
    assert r.status_code == 200
    st = _state(r.text)
    r = c.post("/ui/download", data=dict(st, what="card:json"))
    assert r.status_code == 200 and r.headers["content-disposition"] == 'attachment; filename="tinh-ca-mau-2025-scorecard.json"'
    r = c.post("/ui/download", data=dict(st, what="scenario"))          # nothing changed yet: no scenario to save
    assert r.status_code == 422 and "[PS131]" in r.text and "no changes" in r.text


def test_the_projection_shows_the_range_and_its_chart(page):
    """The page's projection is `parscore project`'s (same lines, same seed) with its chart."""
    from parscore.projection import DEFAULT_SEED, load_baseline, load_spreads, project
    from parscore.projection_report import summary_lines
    from parscore.web import core

    c, tok = page
    r = c.post("/ui/open", data={"csrf": tok, "lang": "vi", "example": "ca-mau-2025", "use": "example"})
    assert 'id="projection-result"' not in r.text            # nothing drawn until asked
    r = c.post("/ui/update", data=dict(_state(r.text), op="project", baseline="ca-mau-2024", redraw="1"))
    assert r.status_code == 200 and 'id="projection-result"' in r.text and "<svg" in r.text
    m, facts = load_inputs(CA_MAU)
    last = load_baseline(ROOT / "fixtures/ca-mau-2024.yaml", m, facts.agency.code)
    from dataclasses import replace
    last = replace(last, file="fixtures/ca-mau-2024.yaml")
    target = Decimal(90) if score(m, facts).index < 90 else None
    p = project(m, facts, last, load_spreads(m), core.PROJECTION_SAMPLES, DEFAULT_SEED, target, None, None, 10, True)
    import html as h
    shown = h.unescape(r.text)
    for line in summary_lines(p, "vi")[1:]:
        assert line in shown, line
    assert p.index["p5"] < p.index["p95"]
