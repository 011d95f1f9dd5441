"""Renderers: one module per output format behind one registry, the way yamllint's and
bandit's `formatters/` are laid out.

| format | module | writes |
|---|---|---|
| `table` | `table.py` | plain-text tables (tabulate), the terminal's default |
| `markdown` | `markdown.py` | the same documents as GitHub Markdown, user text escaped |
| `json` | `json.py` | the stable JSON contract |
| `html` | `html.py` | the signed report, the projection's page, the published ranking |
| `xlsx` | `xlsx.py` | the scorecard workbook and the ranking workbook |
| `docx` | `docx.py` | the signed report as a Word document |
| `pdf` | `pdf.py` | the HTML report printed by headless Chromium |
| `junit` | `junit.py` | the audit's findings for CI |

Each module lists the documents it writes in `DOCUMENTS` and has one function per document
(`scorecard`, `explain`, `plan`, ...); `common.py` holds the words, numbers and data they
share, and `official.py` the national header of the documents officials sign.

    >>> from parscore.render import render
    >>> render("scorecard", "markdown", card)                  # doctest: +SKIP
    >>> render("criteria", "json", methodology, "en")          # doctest: +SKIP

A format parscore does not have, or a document a format cannot write, is a ValueError
naming what exists: never a silent fallback to another format. Modules are imported on first
use, so the text formats never load openpyxl, python-docx or the PDF printer.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Callable

FORMATS: dict[str, str] = {
    "table": "table", "markdown": "markdown", "json": "json", "html": "html", "xlsx": "xlsx", "docx": "docx",
    "pdf": "pdf", "junit": "junit",
}


def renderer(fmt: str) -> ModuleType:
    """The module writing `fmt`: renderer("markdown").scorecard(card)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; parscore writes {', '.join(FORMATS)}")
    return importlib.import_module(f"{__name__}.{FORMATS[fmt]}")


def formats_of(document: str) -> tuple[str, ...]:
    """Every format that writes `document` (imports each renderer module: for messages and tests)."""
    return tuple(f for f in FORMATS if document in renderer(f).DOCUMENTS)


def renderer_for(document: str, fmt: str) -> Callable[..., Any]:
    """The function writing `document` as `fmt`."""
    module = renderer(fmt)
    if document not in module.DOCUMENTS:
        raise ValueError(f"{document} cannot be written as {fmt}; it can be written as {', '.join(formats_of(document))}")
    return getattr(module, document)  # type: ignore[no-any-return]


def render(document: str, fmt: str, *args: Any, **kwargs: Any) -> Any:
    """`document` (scorecard, explain, criteria, facts, plan, ...) as `fmt`, from the same
    arguments as the format module's function: text for the text formats, bytes for pdf;
    xlsx and docx write to the file or stream they are given."""
    return renderer_for(document, fmt)(*args, **kwargs)
