"""Vietnamese everywhere a person reads; English with --lang en.

- every message of the invalid-input corpus (tests/data/invalid), every
  example of docs/errors.md and every message quoted in the tests has a real translation
  (a catalogue pattern matched it, not a fallback, and the result is Vietnamese);
- every help text of every subcommand has a translation (new options are caught here);
- argparse's own errors are Vietnamese by default and exit 2;
- the Vietnamese output of every command on every fixture holds no machine words.
"""
from __future__ import annotations

import io
import re
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from conftest import ROOT
from parscore import errors as errors_mod
from parscore.cli import build_parser, main
from parscore.i18n import (
    catalogue, label, language_from_argv, looks_vietnamese, translate, translate_message, translate_parser,
)

INVALID = ROOT / "tests" / "data" / "invalid"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def recorded(monkeypatch):
    """Every (code, English message) the CLI renders, as raised."""
    seen: list[tuple[str, str]] = []
    original = errors_mod.Problem.render

    def render(self, lang=None):
        seen.append((self.code, self.message))
        return original(self, lang)

    monkeypatch.setattr(errors_mod.Problem, "render", render)
    return seen


def _corpus_cases() -> list[tuple[str, list[str]]]:
    cases = []
    for kind in ("methodology", "rules", "facts"):
        for p in sorted((INVALID / kind).glob("*.yaml")):
            cases.append((f"invalid/{kind}/{p.name}", [kind, str(p)]))
    return cases


def _argv(kind: str, path: str, tmp_path: Path) -> list[str]:
    if kind == "rules":
        (tmp_path / "rules").mkdir()
        shutil.copyfile(ROOT / "tests/data/mini/mini.yaml", tmp_path / "m.yaml")
        shutil.copyfile(path, tmp_path / "rules" / "all.yaml")
        return ["validate", str(tmp_path / "m.yaml")]
    return ["validate", path] if kind == "methodology" else ["score", path]


def assert_translated(code: str, message: str) -> str:
    vi = translate_message(code, message, "vi", strict=True)
    assert vi is not None, f"[{code}] no Vietnamese pattern matches: {message!r}"
    assert looks_vietnamese(vi) and vi != message, f"[{code}] translation is not Vietnamese: {vi!r}"
    return vi


@pytest.mark.parametrize("case,spec", _corpus_cases(), ids=[c[0] for c in _corpus_cases()])
def test_corpus_messages_are_vietnamese_by_default(case, spec, tmp_path, recorded):
    argv = _argv(spec[0], spec[1], tmp_path)
    code, out, err_vi = run(*argv)
    assert code == 2 and "Traceback" not in err_vi
    messages = list(recorded)
    assert messages, err_vi
    for pcode, message in messages:
        assert_translated(pcode, message)
    _, _, err_en = run(*argv, "--lang", "en")
    vi_lines, en_lines = err_vi.splitlines(), err_en.splitlines()
    assert len(vi_lines) == len(en_lines)
    for vi, en in zip(vi_lines, en_lines):
        assert vi != en and looks_vietnamese(vi), vi
        # file:line, field and code are kept as they are; only the message changes
        assert vi.rsplit(" [", 1)[1] == en.rsplit(" [", 1)[1]
        assert vi.split(":", 2)[:2] == en.split(":", 2)[:2]


def _documented_codes() -> dict[str, str]:
    rows = {}
    for line in (ROOT / "docs" / "errors.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| (PS\d{3}) \| [^|]*\| (.*) \|$", line)
        if m:
            rows[m.group(1)] = m.group(2).strip().strip("`")
    return rows


def test_every_documented_code_has_a_translation():
    codes = _documented_codes()
    assert len(codes) >= 90
    known = set(catalogue("vi")["errors"])
    assert sorted(set(codes) - known) == []


def _quoted_messages() -> list[tuple[str, str]]:
    """`... message [PSxxx]` lines quoted in docs/errors.md, the corpus expectations and the tests."""
    found = set()
    sources = [ROOT / "docs/errors.md", INVALID / "expected.yaml", ROOT / "tests/test_bad_inputs.py"]
    for path in sources:
        for line in path.read_text(encoding="utf-8").splitlines():
            for m in re.finditer(r"((?:[^\"'`|]|'[^']*'|`[^`]*`)*?) \[(PS\d{3})\]", line):
                text = m.group(1).replace("''", "'")
                text = re.sub(r"\{(rules|methodology)\}", "X", text)  # expected.yaml's temp paths
                if ": " in text:
                    found.add((m.group(2), text.strip()))
    return sorted(found)


@pytest.mark.parametrize("code,line", _quoted_messages())
def test_quoted_messages_translate(code, line):
    """Some suffix of the quoted line (after `file:line: field: `) is a message with a translation."""
    parts = line.split(": ")
    for i in range(len(parts)):
        message = ": ".join(parts[i:])
        if translate_message(code, message, "vi", strict=True) not in (None, message):
            return
    pytest.fail(f"[{code}] no Vietnamese pattern matches any suffix of {line!r}")


def test_untranslated_message_falls_back_to_english_visibly():
    assert translate("PS999", "a brand-new message", "vi") == "a brand-new message"
    p = errors_mod.Problem("f.yaml", 3, "x", "a brand-new message", "PS999")
    assert p.render("vi") == str(p) == "f.yaml:3: x: a brand-new message [PS999]"


def test_str_stays_english_render_translates():
    p = errors_mod.Problem("f.yaml", 5, "facts.satisfaction", "'89,33' uses a decimal comma; write 89.33 (a dot, without quotes)", "PS078")
    assert str(p) == "f.yaml:5: facts.satisfaction: '89,33' uses a decimal comma; write 89.33 (a dot, without quotes) [PS078]"
    assert p.render("vi") == ("f.yaml:5: facts.satisfaction: '89,33' dùng dấu phẩy thập phân; trong tệp YAML viết 89.33 "
                              "(dấu chấm, không có ngoặc kép), vì YAML đọc dấu phẩy là văn bản [PS078]")


def test_quoted_year_says_it_is_quoted():
    vi = translate("PS072", "expected a year such as 2025, got '2025'", "vi")
    assert vi == "năm được viết trong ngoặc kép ('2025') nên là văn bản; viết năm là một số, ví dụ 2025, không có ngoặc kép"
    assert translate("PS072", "expected a year such as 2025, got 'năm 2025'", "vi") == \
        "cần năm là một số, ví dụ 2025, nhưng nhận được chữ 'năm 2025'"
    assert translate("PS188", "expected the year such as 2025, got '2025'", "vi") == \
        "năm '2025' được nhập dạng văn bản; nhập năm là một số, ví dụ 2025 (định dạng ô là Số, không phải Văn bản)"


def test_language_choice(monkeypatch):
    monkeypatch.delenv("PARSCORE_LANG", raising=False)
    assert language_from_argv(["score", "x.yaml"]) == "vi"
    assert language_from_argv(["score", "x.yaml", "--lang", "en"]) == "en"
    assert language_from_argv(["--lang=en", "score", "x.yaml"]) == "en"
    monkeypatch.setenv("PARSCORE_LANG", "en")
    assert language_from_argv(["score", "x.yaml"]) == "en"
    assert language_from_argv(["score", "x.yaml", "--lang", "vi"]) == "vi"


def test_problems_follow_the_language(monkeypatch):
    monkeypatch.delenv("PARSCORE_LANG", raising=False)
    assert run("score", "nowhere.yaml")[2] == "parscore: nowhere.yaml: không tìm thấy tệp [PS001]\n"
    assert run("score", "nowhere.yaml", "--lang", "en")[2] == "parscore: nowhere.yaml: file not found [PS001]\n"
    assert run("--lang", "en", "score", "nowhere.yaml")[2] == "parscore: nowhere.yaml: file not found [PS001]\n"
    monkeypatch.setenv("PARSCORE_LANG", "en")
    assert run("score", "nowhere.yaml")[2] == "parscore: nowhere.yaml: file not found [PS001]\n"


# ---------------------------------------------------------------- argparse

def _all_parsers(parser):
    import argparse

    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_parsers(sub)


def test_every_help_text_has_a_translation():
    parser = build_parser()
    missing = translate_parser(parser, "vi")
    assert missing == []
    shown = set(catalogue("vi")["metavars"].values())
    for p in _all_parsers(parser):
        for action in p._actions:
            if action.help:
                assert looks_vietnamese(action.help), (p.prog, action.dest, action.help)
            if action.option_strings and action.nargs != 0 and not action.choices:
                assert action.metavar in shown, (p.prog, action.dest, action.metavar)  # e.g. --output TỆP


@pytest.mark.parametrize("command", sorted(build_parser()._subparsers._group_actions[0].choices))
def test_help_of_every_subcommand_is_vietnamese(command, monkeypatch):
    monkeypatch.delenv("PARSCORE_LANG", raising=False)
    code, out, _ = run(command, "-h")
    assert code == 0
    assert out.startswith("cách dùng: parscore " + command)
    assert "tùy chọn:" in out and "show this help" not in out and "usage:" not in out
    code, out_en, _ = run(command, "-h", "--lang", "en")
    assert code == 0 and out_en.startswith("usage: parscore " + command) and "show this help message" in out_en


@pytest.mark.parametrize("argv,vi,en", [
    (["scor", "x.yaml"], "lựa chọn không hợp lệ: 'scor'", "invalid choice: 'scor'"),
    (["simulate"], "thiếu các tham số bắt buộc: facts", "the following arguments are required: facts"),
    (["score", "x.yaml", "--bogus"], "tham số không nhận ra: --bogus", "unrecognized arguments: --bogus"),
    (["audit", "x.yaml", "--fail-on", "fatal"], "lựa chọn không hợp lệ: 'fatal'", "invalid choice: 'fatal'"),
])
def test_argparse_errors(argv, vi, en, monkeypatch):
    monkeypatch.delenv("PARSCORE_LANG", raising=False)
    code, _, err = run(*argv)
    assert code == 2 and vi in err and ": lỗi: " in err and err.startswith("cách dùng: ")
    code, _, err = run(*argv, "--lang", "en")
    assert code == 2 and en in err and ": error: " in err and err.startswith("usage: ")


def test_argparse_is_left_english_outside_parscore():
    import argparse

    run("score", "-h")
    p = argparse.ArgumentParser(prog="other")
    assert p.format_usage().startswith("usage: ")


# ---------------------------------------------------------------- labels

def test_labels():
    assert label("status", "full", "vi") == "đạt tối đa"
    assert label("status", "projected", "vi") == "dự báo"
    assert label("provenance", "published", "vi") == "đã công bố"
    assert label("provenance", "plan-126", "vi") == "KH 126"
    assert label("provenance", "reconstructed", "en") == "reconstructed"
    assert label("status", "missing_facts", "en") == "missing facts"
    assert label("status", "something-new", "vi") == "something-new"


# ---------------------------------------------------------------- machine words in Vietnamese output

MACHINE_WORDS = ["full", "partial", "missing_facts", "not_applicable", "reconstructed", "tier_", "at_least", "at_most",
                 "plan-126", "published", "projected", "otherwise", "zero_at", "full_at", "official"]
# whole words only: `full` inside `par_full_rate` or `full_at` inside a fact id the user types is legitimate
_MACHINE = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in MACHINE_WORDS if w != "tier_") + r")(?![\w-])"
                      r"|(?<![\w-])(tier_)\d")
FACTS_FIXTURES = ["fixtures/ca-mau-2025/weaknesses.yaml", "fixtures/ca-mau-2025/targets-met.yaml",
                  "fixtures/incomplete-2025.yaml", "fixtures/weak-province-2025.yaml", "fixtures/audit/planted.yaml"]


def _machine_words(text: str) -> list[str]:
    return sorted({m.group(1) or m.group(2) for m in _MACHINE.finditer(text)})


def test_the_scan_finds_machine_words():
    assert _machine_words("Đạt mức: full; tier_2: at_least 20 → 0.5; reconstructed / plan-126") == \
        ["at_least", "full", "plan-126", "reconstructed", "tier_"]
    assert _machine_words("par_full_rate, units_not_applicable_x, tthc_at_least_count") == []


def _commands(facts: str, tmp_path: Path) -> list[list[str]]:
    store = str(tmp_path / "h.sqlite")
    code = "3.4.2" if "ca-mau" in facts else "1.3.1"
    cmds = [["score", facts], ["score", facts, "-f", "markdown", "--peers", "fixtures/peers-2024.yaml"],
            ["explain", facts, "1.3.1"], ["explain", facts, "3.4.2"], ["explain", facts, "8.1.1"], ["explain", facts, code],
            ["simulate", facts, "--set", "par_inspection_units_inspected=25"],
            ["plan", facts, "--target", "92", "--peers", "fixtures/peers-2024.yaml"], ["plan", facts, "-f", "markdown"],
            ["audit", facts], ["validate", facts],
            ["history", "add", facts, "--store", store], ["history", "list", "--store", store],
            ["history", "show", "1", "--store", store], ["history", "trend", "--store", store],
            ["diff", facts, "fixtures/ca-mau-2025/targets-met.yaml"]]
    if "minh-hoa" not in (ROOT / facts).read_text(encoding="utf-8"):   # Cà Mau's plan judges Cà Mau's facts only (PS145)
        cmds.append(["plan-status", facts, "fixtures/ca-mau-2025/plan-126.yaml", "--on", "2025-12-31"])
    if "ca-mau-2025/weaknesses" in facts:
        cmds += [["appraise", facts, "fixtures/ca-mau-2025/appraisal-2025.yaml"],
                 ["history", "add", facts, "--appraisal", "fixtures/ca-mau-2025/appraisal-2025.yaml", "--store", store],
                 ["history", "show", "3", "--store", store], ["history", "list", "ca-mau", "--store", store, "-f", "markdown"],
                 ["history", "trend", "ca-mau", "--store", store], ["diff", "history:1", "history:3", "--store", store],
                 ["score", facts, "--units", "fixtures/ca-mau-2025/lead-units.yaml"]]
    return cmds


@pytest.mark.parametrize("facts", FACTS_FIXTURES)
def test_no_machine_words_in_vietnamese_output(facts, tmp_path, monkeypatch):
    monkeypatch.delenv("PARSCORE_LANG", raising=False)
    leaks = {}
    for argv in _commands(facts, tmp_path):
        code, out, err = run(*argv)
        assert code in (0, 1, 2), (argv, err)
        found = _machine_words(out + err)
        if found:
            leaks[" ".join(argv)] = found
    assert leaks == {}


def test_no_machine_words_in_catalogue_commands(tmp_path, monkeypatch):
    monkeypatch.delenv("PARSCORE_LANG", raising=False)
    leaks = {}
    for argv in (["criteria"], ["criteria", "-f", "markdown"], ["facts"], ["validate", "criteria/par-province-892.yaml"],
                 ["template", "-o", str(tmp_path / "t.xlsx")], ["import", str(tmp_path / "t.xlsx")]):
        code, out, err = run(*argv)
        found = _machine_words(out + err)
        if found:
            leaks[" ".join(argv)] = found
    assert leaks == {}


def _raised_messages() -> list[tuple[str, str]]:
    rows = []
    for line in (ROOT / "tests/data/i18n/messages.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, message = line.split("\t", 1)
            rows.append((code, message))
    return rows


def test_messages_raised_across_the_suite_translate():
    """Messages of the fuzz, report, history, planning, overlay and audit tests (collected once)."""
    rows = _raised_messages()
    assert len(rows) >= 250
    missing = [(c, m) for c, m in rows if translate_message(c, m, "vi", strict=True) is None]
    assert missing == []


def test_catalogue_entries_are_consistent():
    """Every entry compiles, and its translation names only groups its pattern captures."""
    from parscore.i18n import _FILL, _pattern

    data = catalogue("vi")
    for section in ("errors", "messages"):
        for code, entries in data[section].items():
            for e in entries:
                assert set(e) <= {"en", "re", "vi", "fallback"} and ("en" in e) != ("re" in e), (code, e)
                groups = set(_pattern(e).groupindex)
                used = {m.group(1) for m in _FILL.finditer(e["vi"]) if not (m.group(0) == "{value}" and code == "PS058")}
                assert used <= groups, (code, e)
                assert all(m.group(2) in (None, "msg", "word", "num", "constraint") for m in _FILL.finditer(e["vi"])), (code, e)
    for lang in ("vi", "en"):   # every label is a text in each language (same keys: tests/test_catalogues.py)
        for kind, entries in catalogue(lang)["labels"].items():
            assert all(isinstance(v, str) and v for v in entries.values()), (lang, kind)


def test_a_broken_constraint_gives_its_reason_in_vietnamese():
    rules = ROOT / "rules/par-province-892/field-3.yaml"
    message = ("tthc_dossiers_resolved_on_time + tthc_dossiers_overdue = 600000 + 0 = 600000 must be at least "
               "tthc_dossiers_resolved = 604215: every resolved dossier that was not on time is a late dossier; correct "
               f"whichever figure is wrong (see also lines 5, 6) (constraint late-dossiers-counted, {rules}:185)")
    vi = translate("PS202", message, "vi")
    assert vi.startswith("tthc_dossiers_resolved_on_time + tthc_dossiers_overdue = 600000 + 0 = 600000 phải ít nhất bằng "
                         "tthc_dossiers_resolved = 604215: mọi hồ sơ đã giải quyết mà không đúng hạn đều là hồ sơ trễ hẹn")
    assert vi.endswith(f"sửa số liệu bị sai (xem thêm dòng 5, 6) (ràng buộc late-dossiers-counted, {rules}:185)")
