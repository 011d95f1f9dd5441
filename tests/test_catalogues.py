"""The UI text catalogues: one per language (messages/vi.yaml, messages/en.yaml), looked up
by key. Every key exists in both languages, with the same placeholders, and every renderer's
text comes from them (no bilingual dict left in the code)."""
from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
import yaml

from parscore.i18n import KEYED_SECTIONS, catalogue, label, text

SRC = Path(__file__).resolve().parents[1] / "src" / "parscore"
MESSAGES = SRC / "messages"


def _load(lang: str) -> dict:
    return yaml.safe_load((MESSAGES / f"{lang}.yaml").read_text(encoding="utf-8"))


def _leaves(node: object, path: tuple = ()) -> dict[tuple, object]:
    """Every leaf by its key path; lists count by position (column headers)."""
    if isinstance(node, dict):
        return {k: v for key, sub in node.items() for k, v in _leaves(sub, (*path, key)).items()}
    if isinstance(node, list):
        return {k: v for i, sub in enumerate(node) for k, v in _leaves(sub, (*path, i)).items()}
    return {path: node}


def _placeholders(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name is not None}


def test_every_key_exists_in_both_languages_with_the_same_placeholders():
    vi, en = _leaves(_load("vi")), _leaves(_load("en"))
    assert set(_load("vi")) == set(_load("en")) == set(KEYED_SECTIONS)
    assert sorted(set(vi) ^ set(en)) == []
    assert len(vi) > 450   # labels and the text of every renderer
    # a bare `yes:` or `no:` key is a YAML boolean, not the word: every key must read as text
    assert [p for p in vi if not all(isinstance(k, (str, int)) and not isinstance(k, bool) for k in p)] == []
    for key in vi:
        assert isinstance(vi[key], str) and isinstance(en[key], str) and vi[key] and en[key], key
        assert _placeholders(vi[key]) == _placeholders(en[key]), (key, vi[key], en[key])


def test_a_missing_key_or_placeholder_is_found(tmp_path):
    """The check above can fail: a key only in one language, a placeholder renamed."""
    vi = {"text": {"report": {"total": "Tổng {n}", "only_vi": "x"}}}
    en = {"text": {"report": {"total": "Total {count}"}}}
    a, b = _leaves(vi), _leaves(en)
    assert set(a) ^ set(b) == {("text", "report", "only_vi")}
    assert _placeholders(a[("text", "report", "total")]) != _placeholders(b[("text", "report", "total")])


@pytest.mark.parametrize("namespace,key,vi,en", [
    ("report", "total", "Tổng điểm", "Total"),
    ("excel", "wrote", "đã ghi {path}", "wrote {path}"),
    ("web", "title", "Chấm điểm Chỉ số CCHC", "PAR INDEX scoring"),
    ("official", "nation", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM"),
])
def test_lookup_by_key(namespace, key, vi, en):
    if vi is None:
        assert key in text(namespace, "vi") and key in text(namespace, "en")
        return
    assert text(namespace, "vi")[key] == vi and text(namespace, "en")[key] == en


def test_an_unknown_language_reads_as_english_and_an_unknown_label_comes_back_unchanged():
    assert text("report", "fr")["total"] == "Total"
    assert label("status", "full", "fr") == "full" and label("status", "nope", "vi") == "nope"


def test_english_reads_no_vietnamese_translation_file():
    """English is the message id: catalogue('en') has UI text and no translations."""
    assert "errors" not in catalogue("en") and "help" not in catalogue("en")
    assert "errors" in catalogue("vi") and "labels" in catalogue("vi")


CATALOGUE_MODULES = ["reporting.py", "html_report.py", "render/official.py", "projection_report.py", "ranking_render.py",
                     "unit_report.py", "audit.py", "excel/texts.py", "web/i18n.py", "render/common.py", "render/table.py",
                     "render/pdf.py", "cli.py", "files.py", "history.py", "units.py", "web/app.py", "web/server.py",
                     "excel/template.py", "excel/scorecard.py", "excel/reader.py", "unit_workbook.py", "feeds.py", "ranking.py", "conventions.py",
                     "appraisal.py", "explanation.py", "kinds/compare.py", "kinds/boolean.py"]


@pytest.mark.parametrize("module", CATALOGUE_MODULES)
def test_no_bilingual_dict_is_left_in_a_renderer(module):
    """A `{"vi": ..., "en": ...}` literal in these modules is text that belongs in the catalogues."""
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    found = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Dict)
             and {getattr(k, "value", None) for k in node.keys} >= {"vi", "en"}]
    assert found == [], f"{module}: bilingual dicts at lines {found}"


def test_a_by_language_constant_reads_like_the_dict_it_replaced():
    from parscore.excel.template import HEADERS, UNASSIGNED

    assert HEADERS["en"][0] == "Fact id" and HEADERS["vi"][0] == "Mã số liệu"
    assert sorted(UNASSIGNED.values()) == ["(chưa phân công)", "(unassigned)"]
    with pytest.raises(KeyError):
        HEADERS["fr"]
