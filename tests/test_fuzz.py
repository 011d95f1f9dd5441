"""Fuzzing every command that reads a file: whatever the bytes, parscore exits 0 or 2.

Inputs are random bytes, random text, and mutations of valid files (the mini facts file,
mini.yaml, mini's rules and an overlay): lines deleted, duplicated or swapped, values
replaced by odd scalars (.nan, .inf, 1e400, 5000-digit integers, impossible dates,
explicit tags such as !!python/object or !!float abc, aliases), 500-level nesting,
alias bombs, tabs, truncation, a UTF-8 BOM, Latin-1 bytes.

The CLI runs in-process (`parscore.cli.main`). An exception escaping `main` is a
traceback for the user and fails the test; so does any exit code other than 0 and 2,
and any stderr line of a failed run that does not start with "parscore: ".
"""
from __future__ import annotations

import io
import itertools
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings, strategies as st

from conftest import MINI, ROOT
from parscore.cli import main
from parscore.i18n import looks_vietnamese

MINI_RULES = MINI.parent / "rules"
FACTS_TEXT = (MINI.parent / "facts-a.yaml").read_text(encoding="utf-8").replace(
    "methodology: mini.yaml", f"methodology: {MINI}")
MINI_TEXT = MINI.read_text(encoding="utf-8").replace("rules: rules\n", f"rules: {MINI_RULES}\n")
RULES_TEXT = (MINI_RULES / "all.yaml").read_text(encoding="utf-8")
OVERLAY_TEXT = (ROOT / "tests" / "data" / "overlay" / "mini-official.yaml").read_text(encoding="utf-8")
assert f"methodology: {MINI}" in FACTS_TEXT and f"rules: {MINI_RULES}" in MINI_TEXT



def edit(text: str, old: str, new: str) -> bytes:
    """A base file with one exact change (for the explicit reproducers below)."""
    assert text.count(old) == 1, old
    return text.replace(old, new).encode("utf-8")


FUZZ = settings(deadline=None, max_examples=60, suppress_health_check=list(HealthCheck))
_names = itertools.count()

# Scalars that have broken parsers before, or might.
ODD_SCALARS = [
    ".nan", ".NaN", ".inf", "-.inf", "1e400", "1.0e+400", "-1.0e+400", "1e30", "1.0e+30", "9" * 5000,
    "-1", "0", "0.125", "12345678901234567890.123", "0x1F", "0o17", "1_000", "190:20:30",
    "null", "~", "", '""', "true", "yes", "no", '"yes"', "on", "2025-01-01", "2025-02-30", "2025-13-45",
    "2025-01-01T10:00:00", "!!float abc", "!!int abc", "!!bool maybe", "!!timestamp foo", "!!binary '@@@'",
    "!!python/object:os.system", "!!python/object/apply:os.system [echo pwned]", "!!set {a: 1}",
    "!!str 5", "!!omap [a: 1]", "&a [*a]", "*undefined", "[" * 500 + "]" * 500, "{a: " * 70 + "1" + "}" * 70,
    "[1, 2]", "{value: 1}", "{value: 1, evidence: 12}", "'89,33'", "'1.234'", "'95%'", "'40'",
    "\"\\x00\"", "\"\\uD800\"", "'" + "a" * 300 + "'", "a" * 300 + ".yaml", "/dev/null", ".", "..",
]
ODD = st.sampled_from(ODD_SCALARS)
SCALARS = st.one_of(
    ODD, ODD, ODD, ODD, ODD, ODD, ODD, ODD,
    st.integers().map(str),
    st.floats().map(repr),
    st.decimals(allow_nan=False, places=4).map(str),
    st.text(max_size=12).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.text(max_size=12),
)


def _laughs(levels: int, width: int) -> str:
    out = "lol0: &l0 [" + ", ".join(["lol"] * width) + "]\n"
    for k in range(1, levels + 1):
        out += f"lol{k}: &l{k} [" + ", ".join([f"*l{k - 1}"] * width) + "]\n"
    return out


@st.composite
def mutated(draw, base: str) -> bytes:
    """`base` changed one to three ways, then encoded (UTF-8, maybe with a BOM, or Latin-1)."""
    lines = base.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        op = draw(st.sampled_from(["scalar"] * 8 + ["delete", "duplicate", "swap", "nest", "laughs", "tab",
                                                         "truncate", "insert"]))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "scalar":
            # replace the value after one of the line's "key: " with an odd scalar
            line = lines[i]
            spots = [k + 2 for k in range(len(line) - 1) if line[k:k + 2] == ": "]
            value = draw(SCALARS)
            if spots:
                start = draw(st.sampled_from(spots))
                end = start
                while end < len(line) and line[end] not in ",}]\n":
                    end += 1
                lines[i] = line[:start] + value + line[end:]
            else:
                lines[i] = line.rstrip("\n") + " " + value + "\n"
        elif op == "nest":
            depth = draw(st.sampled_from([65, 500]))  # 5000 levels: an explicit example (slow)
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip(" "))]
            lines.insert(i, f"{indent}deep: " + "[" * depth + "]" * depth + "\n")
        elif op == "laughs":
            lines.insert(0, _laughs(draw(st.integers(1, 4)), draw(st.integers(2, 8))))
        elif op == "tab":
            lines[i] = lines[i].replace("  ", "\t", 1)
        elif op == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif op == "insert":
            pos = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:pos] + draw(st.characters()) + lines[i][pos:]
    text = "".join(lines)
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-bom", "latin-1"]))
    if encoding == "latin-1":
        return text.encode("latin-1", errors="replace")
    data = text.encode("utf-8", errors="surrogatepass")
    return b"\xef\xbb\xbf" + data if encoding == "utf-8-bom" else data


def run(*argv: str) -> int:
    """Run the CLI in-process; only exit codes 0 and 2 are allowed, no exception escapes."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    assert code in (0, 2), (argv, code, err.getvalue())
    if code == 2:
        lines = err.getvalue().splitlines()
        assert lines, (argv, "exit 2 with nothing on stderr")
        assert all(ln.startswith("parscore: ") for ln in lines), (argv, err.getvalue())
        # Vietnamese by default: every problem has at least a Vietnamese frame (tests/test_i18n.py)
        assert all(looks_vietnamese(ln) for ln in lines), (argv, err.getvalue())
    return code


def write(dirpath: Path, data: bytes, name: str = "input.yaml") -> Path:
    """A fresh file per example, so the methodology cache never returns an earlier example."""
    d = dirpath / f"case-{next(_names)}"
    d.mkdir()
    p = d / name
    p.write_bytes(data)
    return p


def valid_facts(dirpath: Path) -> Path:
    return write(dirpath, FACTS_TEXT.encode("utf-8"), "facts.yaml")


def every_command(path: Path, dirpath: Path) -> None:
    """The file in every role a command gives it."""
    run("score", str(path))
    run("explain", str(path), "1.1.1")
    run("validate", str(path))
    run("criteria", str(path))
    run("facts", str(path))
    run("score", str(valid_facts(dirpath)), "--overlay", str(path))


def test_the_bases_are_valid(tmp_path):
    assert run("score", str(write(tmp_path, FACTS_TEXT.encode()))) == 0
    assert run("validate", str(write(tmp_path, MINI_TEXT.encode()))) == 0
    assert run("score", str(valid_facts(tmp_path)), "--overlay", str(write(tmp_path, OVERLAY_TEXT.encode()))) == 0


@settings(FUZZ, max_examples=150)
@example(data=b"\x00")  # a NUL byte: PyYAML's reader error spanned two lines
@example(data=b"a: 2025-02-30\n")  # an impossible date: ValueError from PyYAML's constructor
@given(data=st.binary(max_size=3000))
def test_random_bytes(tmp_path, data):
    every_command(write(tmp_path, data), tmp_path)


@settings(FUZZ, max_examples=150)
@given(text=st.text(max_size=2000))
def test_random_text(tmp_path, text):
    every_command(write(tmp_path, text.encode("utf-8", errors="surrogatepass")), tmp_path)


@settings(FUZZ, max_examples=300)
# reproducers of crashes found by this test: each raised out of `main`
@example(data=edit(FACTS_TEXT, "violations: 1", "violations: 2025-02-30"))  # ValueError (date constructor)
@example(data=edit(FACTS_TEXT, "violations: 1", "violations: !!float abc"))  # ValueError
@example(data=edit(FACTS_TEXT, "violations: 1", "violations: !!int abc"))  # ValueError
@example(data=edit(FACTS_TEXT, "violations: 1", "violations: !!bool maybe"))  # KeyError
@example(data=edit(FACTS_TEXT, "violations: 1", "violations: !!timestamp foo"))  # AttributeError
@example(data=edit(FACTS_TEXT, "violations: 1", "violations: " + "9" * 5000))  # ValueError (int digits limit)
@example(data=edit(FACTS_TEXT, f"methodology: {MINI}", "methodology: " + "a" * 300))  # OSError ENAMETOOLONG
@example(data=edit(FACTS_TEXT, "violations: 1", "violations: " + "[" * 5000 + "]" * 5000))  # RecursionError path
@given(data=mutated(FACTS_TEXT))
def test_mutated_facts(tmp_path, data):
    path = write(tmp_path, data, "facts.yaml")
    run("score", str(path))
    run("explain", str(path), "1.1.1")
    run("validate", str(path))


@settings(FUZZ, max_examples=250)
@example(data=edit(MINI_TEXT, f"rules: {MINI_RULES}", "rules: " + "a" * 300))  # OSError ENAMETOOLONG
@example(data=edit(MINI_TEXT, "total: 10", "total: 2025-02-30"))  # ValueError (date constructor)
@example(data=edit(MINI_TEXT, "    max: 6\n", "    max: 1e30\n"))  # decimal.InvalidOperation (quantize)
@given(data=mutated(MINI_TEXT))
def test_mutated_methodology(tmp_path, data):
    path = write(tmp_path, data, "mini.yaml")
    run("validate", str(path))
    run("criteria", str(path))
    run("facts", str(path))
    run("score", str(valid_facts(tmp_path)), "-m", str(path))


@settings(FUZZ, max_examples=120)
@example(data=edit(RULES_TEXT, "equals: 0}", 'equals: "zero"}'))  # validates, then InvalidOperation in the compiler
@example(data=edit(RULES_TEXT, "{at_least: 30, points: 2}", "{at_least: 1e30, points: 2}"))  # durable_rules: Could not create ruleset (204)
@example(data=edit(RULES_TEXT, "equals: 0}", "equals: 1.0e+30}"))  # validates, then durable_rules: Could not create ruleset (204)
@given(data=mutated(RULES_TEXT))
def test_mutated_rules(tmp_path, data):
    rules = write(tmp_path, data, "all.yaml")
    d = rules.parent
    (d / "rules").mkdir()
    rules = rules.rename(d / "rules" / "all.yaml")
    (d / "m.yaml").write_bytes(MINI.read_bytes())  # mini.yaml says `rules: rules`
    run("validate", str(d / "m.yaml"))
    run("validate", str(rules))
    run("criteria", str(d / "m.yaml"))
    run("score", str(valid_facts(tmp_path)), "-m", str(d / "m.yaml"))


@settings(FUZZ, max_examples=200)
@example(data=edit(OVERLAY_TEXT, "  coverage:\n", "  coverage:\n    id: other\n"))  # KeyError: the patch renames the rule
@example(data=edit(OVERLAY_TEXT, '"1.1.1": {max: 3}', '"1.1.1": {max: "1e400"}'))  # decimal.InvalidOperation (quantize)
@example(data=edit(OVERLAY_TEXT, "at_least: 25", "at_least: 1e400"))  # durable_rules: Could not create ruleset
@given(data=mutated(OVERLAY_TEXT))
def test_mutated_overlay(tmp_path, data):
    run("score", str(valid_facts(tmp_path)), "--overlay", str(write(tmp_path, data, "overlay.yaml")))


# ---- the other files commands read: scenarios, plans, lead units, appraisals, peer tables,
# ---- audit input, history stores, scorecard JSON for diff, and .xlsx workbooks

CA_MAU = str(ROOT / "fixtures" / "ca-mau-2025" / "weaknesses.yaml")
SIDE_FILES = {
    "scenario": "name: x\nnote: y\nset:\n  par_inspection_units_inspected: 25\n  tthc_feedback_channels_complete: true\n",
    "plan": (ROOT / "fixtures" / "ca-mau-2025" / "plan-126.yaml").read_text(encoding="utf-8")[:6000],
    "units": (ROOT / "fixtures" / "ca-mau-2025" / "lead-units.yaml").read_text(encoding="utf-8"),
    "appraisal": (ROOT / "fixtures" / "ca-mau-2025" / "appraisal-2025.yaml").read_text(encoding="utf-8"),
    "peers": (ROOT / "fixtures" / "peers-2024.yaml").read_text(encoding="utf-8")[:3000],
}


def side_command(role: str, path: Path, dirpath: Path) -> None:
    if role == "scenario":
        run("simulate", CA_MAU, "--scenario", str(path))
    elif role == "plan":
        run("plan-status", CA_MAU, str(path), "--on", "2025-12-31")
    elif role == "units":
        run("score", CA_MAU, "--units", str(path))
    elif role == "appraisal":  # appraise exits 1 on an adjustment without a reason
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["appraise", CA_MAU, str(path)])
        assert code in (0, 1, 2), (code, err.getvalue())
        assert code != 2 or all(ln.startswith("parscore: ") for ln in err.getvalue().splitlines())
    elif role == "peers":
        run("plan", CA_MAU, "--peers", str(path))


@settings(FUZZ, max_examples=60)
@given(role=st.sampled_from(sorted(SIDE_FILES)), data=st.data())
def test_mutated_side_files(tmp_path, role, data):
    side_command(role, write(tmp_path, data.draw(mutated(SIDE_FILES[role]))), tmp_path)


@settings(FUZZ, max_examples=40)
@given(role=st.sampled_from(sorted(SIDE_FILES) + ["store", "diff", "xlsx", "audit"]), blob=st.binary(max_size=2000))
def test_random_bytes_in_every_other_role(tmp_path, role, blob):
    if role in SIDE_FILES:
        side_command(role, write(tmp_path, blob), tmp_path)
    elif role == "store":
        run("history", "list", "--store", str(write(tmp_path, blob, "h.sqlite")))
    elif role == "diff":
        run("diff", str(write(tmp_path, blob, "a.json")), CA_MAU)
    elif role == "xlsx":
        run("score", str(write(tmp_path, blob, "f.xlsx")))
    else:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["audit", str(write(tmp_path, blob))])
        assert code in (0, 1, 2), (code, err.getvalue())


SPREAD_TEXT = (ROOT / "criteria" / "spreads" / "par-province-892.yaml").read_text(encoding="utf-8")
JSONL_LINE = ('{"agency": {"code": "t", "name": "T"}, "year": 2025, "methodology": "par-province-892", '
              '"facts": {"sipas_policy_satisfaction": 80.5, "par_inspection_units_in_scope": 40, '
              '"par_inspection_units_inspected": 12, "tthc_feedback_channels_complete": true}}\n')


@FUZZ
@given(data=st.one_of(mutated(SPREAD_TEXT), st.binary(max_size=300)))
def test_fuzz_project_spread_file(tmp_path_factory, data):
    f = write(tmp_path_factory.mktemp("spread"), data)
    run("project", str(ROOT / "fixtures/ca-mau-2025/weaknesses.yaml"), "--baseline",
        str(ROOT / "fixtures/ca-mau-2024.yaml"), "--spread", str(f), "--samples", "20", "--redraw-survey")


@FUZZ
@given(data=st.one_of(mutated(JSONL_LINE * 3), st.binary(max_size=300)))
def test_fuzz_batch_json_lines(tmp_path_factory, data):
    f = write(tmp_path_factory.mktemp("batch"), data, "in.jsonl")
    run("score", "--batch", str(f), "--jobs", "1")
