"""`-f pdf`: the HTML report printed by Debian's headless Chromium.

Page numbers ("Trang X/Y") come from the report's own CSS `@page` margin boxes, which
Chromium prints since version 131; Chromium's default date/URL header and footer are
turned off. Chromium runs with a fresh profile in a temporary directory, no network
services, no first-run, and a time limit. Nothing is downloaded."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..i18n import text

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic", "--no-pdf-header-footer", "--hide-scrollbars"]
TIMEOUT = 120


def chromium() -> str | None:
    """PARSCORE_CHROMIUM, else chromium / chromium-browser on PATH, else /usr/bin/chromium."""
    env = os.environ.get("PARSCORE_CHROMIUM")
    if env:
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def html_to_pdf(html: str, lang: str = "vi") -> bytes:
    """`html` printed to PDF by headless Chromium, in a temporary directory of its own; the
    PDF's bytes (the caller writes them through files.write_output). Raises InputError
    (exit 2) when Chromium is missing or fails, never a traceback."""
    exe = chromium()
    if exe is None:
        raise InputError.one("chromium", None, "--format pdf", text("pdf", lang)["missing"], "PS330")
    with tempfile.TemporaryDirectory(prefix="parscore-pdf-") as tmp:
        page, pdf = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        cmd = [exe, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={pdf}", page.as_uri()]
        try:
            run = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise InputError.one("chromium", None, "--format pdf", text("pdf", lang)["failed"].format(why=f"> {TIMEOUT} s"), "PS331") from None
        except OSError as exc:
            raise InputError.one(exe, None, "--format pdf", text("pdf", lang)["failed"].format(why=exc.strerror or str(exc)), "PS331") from None
        if not pdf.is_file() or pdf.read_bytes()[:5] != b"%PDF-":
            last = (run.stderr.decode("utf-8", "replace").strip().splitlines() or [f"exit {run.returncode}"])[-1][:200]
            raise InputError.one("chromium", None, "--format pdf", text("pdf", lang)["failed"].format(why=last), "PS331")
        return pdf.read_bytes()


DOCUMENTS = ("scorecard",)


def scorecard(card: Any, plan: Any = None, m: Any = None, on: Any = None) -> bytes:
    """The signed report as PDF: the HTML report (render/html.py) printed by Chromium."""
    from .html import scorecard as html_scorecard

    return html_to_pdf(html_scorecard(card, plan, m, on), card.lang)
