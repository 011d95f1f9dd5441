"""One renderer module per output format behind one registry (parscore.render)."""
from __future__ import annotations

from pathlib import Path

import pytest

from parscore import load_methodology
from parscore.render import FORMATS, formats_of, render, renderer
from parscore.reporting import render_criteria, render_scorecard
from parscore.scorecard import score
from parscore.workflow import load_inputs

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_module_has_a_function_for_each_document_it_lists(fmt):
    module = renderer(fmt)
    assert module.DOCUMENTS and all(callable(getattr(module, d, None)) for d in module.DOCUMENTS), fmt


def test_markdown_writes_every_text_document_the_table_writes():
    assert set(renderer("markdown").DOCUMENTS) == set(renderer("table").DOCUMENTS)


def test_an_unknown_format_is_an_error_naming_the_formats():
    with pytest.raises(ValueError, match=r"unknown format 'yaml'; parscore writes table, markdown, json, html, xlsx, docx, pdf, junit"):
        render("scorecard", "yaml", None)


def test_a_document_a_format_cannot_write_is_an_error_naming_those_that_can():
    with pytest.raises(ValueError, match=r"^explain cannot be written as html; it can be written as table, markdown, json$"):
        render("explain", "html", None, None, "1.1.1")
    assert formats_of("audit") == ("table", "markdown", "json", "junit")
    assert formats_of("scorecard") == ("table", "markdown", "json", "html", "xlsx", "docx", "pdf")


def test_render_scorecard_still_refuses_the_documents():
    m, facts = load_inputs(ROOT / "fixtures/ca-mau-2025/weaknesses.yaml")
    card = score(m, facts, "en")
    with pytest.raises(ValueError, match="render_scorecard writes table, markdown, json, not 'html'"):
        render_scorecard(card, "html")


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_the_old_names_and_the_registry_write_the_same_bytes(fmt):
    m, facts = load_inputs(ROOT / "fixtures/ca-mau-2025/weaknesses.yaml")
    card = score(m, facts, "vi")
    assert render("scorecard", fmt, card) == render_scorecard(card, fmt)
    m = load_methodology("par-province-892")
    assert render("criteria", fmt, m, "en") == render_criteria(m, "en", fmt)


def test_text_formats_do_not_load_the_document_libraries():
    import subprocess
    import sys

    code = ("import sys; from parscore.render import render; import parscore.render.table, parscore.render.markdown, "
            "parscore.render.json; print(sorted(m for m in ('openpyxl', 'docx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
