"""The officials' page in the system's Chromium (driven by Playwright, no browser download):
upload the Cà Mau workbook, read the index, change a fact, undo, apply a plan step, download.

Expected numbers come from the library (the same engine the CLI uses), never hard-coded.
Set PARSCORE_SCREENSHOTS=1 to refresh docs/serve-*.png from this run.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

# one server and one Chromium for the module: `-n auto --dist loadgroup` keeps its tests on one worker
pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs the Debian package)"),
              pytest.mark.xdist_group("browser")]
playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is a test dependency")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "parscore", "serve", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    first = proc.stdout.readline()
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail(f"the server did not start: {proc.stderr.read()}")
            time.sleep(0.2)
    yield url, first
    proc.send_signal(signal.SIGINT)          # Ctrl-C
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the server did not stop on Ctrl-C")
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "đã dừng" in err


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    """The Cà Mau example as a filled facts template, the workbook officials upload."""
    from parscore.excel import write_template
    from parscore.workflow import load_inputs

    m, facts = load_inputs(ROOT / "fixtures/ca-mau-2025/weaknesses.yaml")
    path = tmp_path_factory.mktemp("wb") / "ca-mau-2025.xlsx"
    write_template(m, path, "vi", None, filled=facts)
    return path, m, facts


def _shots(tmp_path: Path) -> Path:
    return ROOT / "docs" if os.environ.get("PARSCORE_SCREENSHOTS") else tmp_path


def _expected_index(m, facts, changes: dict | None = None) -> str:
    from parscore.reporting import pct
    from parscore.scorecard import score
    from parscore.simulation import apply_changes
    from parscore.web.core import parse_changes

    if changes:
        facts = apply_changes(facts, parse_changes(list(changes.items()), m), m)
    return pct(score(m, facts, "vi").index, "vi")


def _index(page) -> str:
    return re.match(r"\S+", page.locator("#index").inner_text()).group(0)


def test_server_prints_its_loopback_address(server):
    url, first = server
    assert url in first


def test_workbook_to_what_if_plan_and_downloads(server, browser, workbook, tmp_path):
    url, _ = server
    path, m, facts = workbook
    shots = _shots(tmp_path)
    external: list[str] = []
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(url) else None)
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "vi"
    page.screenshot(path=str(shots / "serve-open.png"))

    # upload, by keyboard where a person would type
    page.set_input_files("#facts-file", str(path))
    page.select_option("#units", "ca-mau-2025")
    page.focus("#upload-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#index")
    before = _expected_index(m, facts)
    assert _index(page) == before
    assert page.locator(".source code").inner_text() == "ca-mau-2025.xlsx"
    assert page.locator("#rank").inner_text() == _expected_rank(m, facts)   # the form's default peer table, peers-2024
    page.screenshot(path=str(shots / "serve-scorecard.png"))

    # what-if: change one fact inline (keyboard: type, Enter) and see the index move, the item highlighted
    fact, value = "par_inspection_units_inspected", str(facts.values["par_inspection_units_in_scope"])
    box = page.locator(f'[id="v:{fact}"]')
    box.fill(value)
    box.press("Enter")
    after = _expected_index(m, facts, {fact: value})
    page.wait_for_function("want => document.querySelector('#index').textContent.trim().startsWith(want)", arg=after)
    assert after != before
    assert page.locator("tr.changed").count() >= 1
    assert page.evaluate("document.activeElement.id") == f"v:{fact}"     # focus stays where the person was typing
    assert page.locator(".changed-items tbody tr").count() == len(_changed_items(m, facts, {fact: value}))
    page.evaluate("() => document.getElementById('whatif-h').scrollIntoView()")
    page.screenshot(path=str(shots / "serve-whatif.png"))

    # the scenario download is a `parscore simulate --scenario` file holding that change
    with page.expect_download() as dl:
        page.click("#dl-scenario")
    scen = tmp_path / "scenario.yaml"
    dl.value.save_as(scen)
    from parscore.simulation import load_scenario
    assert load_scenario(scen, m)[2] == {fact: facts.values["par_inspection_units_in_scope"]}

    # undo
    page.click("#undo")
    page.wait_for_function("want => document.querySelector('#index').textContent.trim().startsWith(want)", arg=before)
    assert page.locator("tr.changed").count() == 0

    # apply the first proposed plan step as a what-if
    step = page.locator("button.apply").first
    op = step.get_attribute("value")
    sfact, svalue = op.removeprefix("apply:").split("=", 1)
    page.evaluate("() => document.getElementById('plan-h').scrollIntoView()")
    page.screenshot(path=str(shots / "serve-plan.png"))
    step.focus()
    page.keyboard.press("Enter")
    stepped = _expected_index(m, facts, {sfact: svalue})
    page.wait_for_function("want => document.querySelector('#index').textContent.trim().startsWith(want)", arg=stepped)
    assert stepped != before
    assert sfact in page.locator("#whatif-summary").inner_text()

    # downloads: every scorecard format the server offers, and the facts
    from parscore.web.core import CARD_FORMATS
    magic = {"xlsx": b"PK", "html": b"<!", "json": b"{", "pdf": b"%PDF", "docx": b"PK"}
    for fmt in CARD_FORMATS:
        with page.expect_download() as dl:
            page.click(f"#dl-card-{fmt}")
        out = tmp_path / f"card.{fmt}"
        dl.value.save_as(out)
        assert out.read_bytes().lstrip()[:4].startswith(magic[fmt]), fmt
        if fmt == "json":
            assert json.loads(out.read_text(encoding="utf-8"))["index"] == float(stepped.rstrip("%").replace(",", "."))
    with page.expect_download() as dl:
        page.click("#dl-facts-xlsx")
    filled = tmp_path / "facts.xlsx"
    dl.value.save_as(filled)
    from parscore.excel import import_xlsx
    back = import_xlsx(filled, m)[0]
    assert back.values[sfact] == _value(m, sfact, svalue)

    assert external == [], f"the page loaded something from elsewhere: {external}"
    html = page.content()
    assert not re.search(r"(?:src|href|action)=.(?:https?:)?//", html), "the page references an external URL"
    page.close()


def _changed_items(m, facts, changes):
    from parscore.simulation import simulate
    from parscore.web.core import parse_changes
    return simulate(m, facts, parse_changes(list(changes.items()), m)).items


def _value(m, fact, raw):
    from parscore.web.core import parse_change
    return parse_change(fact, raw, m)


def _expected_rank(m, facts) -> str:
    from parscore.peers import load_peers, project_rank
    from parscore.scorecard import score
    from parscore.web.app import _rank

    card = score(m, facts, "vi")
    return _rank(project_rank(card.index, load_peers(ROOT / "fixtures/peers-2024.yaml"), facts.agency.code, card.year), "vi")


def test_phone_english_and_bundled_example(server, browser, tmp_path):
    url, _ = server
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(url)
    page.select_option("#example", "ca-mau-2025")
    page.click("#example-button")
    page.wait_for_selector("#index")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, "the page scrolls sideways on a phone"
    page.screenshot(path=str(_shots(tmp_path) / "serve-phone.png"))
    vi = _index(page)
    page.click("#lang-switch")               # on a scorecard, the language switch keeps the facts and changes
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.locator("#missing-h").inner_text().startswith("Missing data")
    assert _index(page) == vi.replace(",", ".")
    page.close()


def test_keyboard_reaches_every_control_in_order(server, browser):
    """Tab order on the opening page: skip link, title, language, file, upload, example, open, peers, units."""
    url, _ = server
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(url)
    order = []
    for _ in range(9):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.className || document.activeElement.tagName"))
    assert order[2:] == ["lang-switch", "facts-file", "upload-button", "example", "example-button", "peers", "units"]
    unlabeled = page.evaluate("[...document.querySelectorAll('input:not([type=hidden]), select')]"
                              ".filter(e => !e.labels || e.labels.length === 0).map(e => e.id)")
    assert unlabeled == []
    page.close()
