"""Output streams: closed, broken, full or unable to encode Vietnamese ends cleanly; control characters
never reach the terminal raw; Markdown escapes user text. Process-level behaviour (closed, broken and
full streams, terminal encodings) is tested in processes; what the command writes (escaping) in-process."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, facts_text, run_cli
from parscore.files import fit_encoding, visible, visible_json
from parscore.reporting import md_escape

FACTS = ROOT / "fixtures" / "ca-mau-2025" / "weaknesses.yaml"
PARSCORE = [sys.executable, "-m", "parscore"]



@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """English message ids are compared here (tests/test_i18n.py checks their Vietnamese); the tests
    about Vietnamese text on odd terminals ask for Vietnamese themselves."""
    monkeypatch.setenv("PARSCORE_LANG", "en")

def run(argv: list[str], env: dict[str, str] | None = None, **kw: object) -> subprocess.CompletedProcess[bytes]:
    full = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "LC_ALL", "LANG")}
    full.update({"PYTHONIOENCODING": "utf-8"}, **(env or {}))
    return subprocess.run(argv, cwd=ROOT, env=full, timeout=60, capture_output=kw.pop("capture", True), **kw)  # type: ignore[arg-type]


def test_a_closed_stdout_is_a_clear_error():
    r = subprocess.run(" ".join(PARSCORE) + f" score {FACTS} >&-", shell=True, cwd=ROOT, capture_output=False,
                       stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == 2
    assert r.stderr.decode().strip() == ("parscore: <stdout>: standard output is closed; redirect it or write to a file "
                                         "with -o FILE [PS237]")


def test_a_closed_stdout_does_not_matter_when_writing_to_a_file(tmp_path):
    r = subprocess.run(" ".join(PARSCORE) + f" score {FACTS} -o {tmp_path / 'c.json'} >&-", shell=True, cwd=ROOT,
                       stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == 0 and (tmp_path / "c.json").read_bytes().startswith(b"{")


@pytest.mark.parametrize("command", ["score", "criteria", "plan"])
def test_a_closed_pipe_ends_quietly(command):
    args = [command] if command == "criteria" else [command, str(FACTS)]
    r = subprocess.run(" ".join(PARSCORE + args) + " | head -c 0; echo \"status=${PIPESTATUS[0]}\"", shell=True,
                       executable="/bin/bash", cwd=ROOT, capture_output=True, timeout=60)
    assert r.stderr == b""  # no traceback, no "Exception ignored"
    assert r.stdout.decode().strip() in ("status=141", "status=0")


def test_a_full_disk_on_stdout_is_a_clear_error():
    with open("/dev/full", "wb") as full:
        r = subprocess.run(PARSCORE + ["score", str(FACTS)], cwd=ROOT, stdout=full, stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == 2
    assert r.stderr.decode().strip() == ("parscore: <stdout>: cannot write standard output: No space left on device; "
                                         "write to a file with -o FILE [PS237]")


def test_an_ascii_terminal_gets_a_clear_message():
    r = run(PARSCORE + ["score", str(FACTS)], env={"PYTHONIOENCODING": "ascii", "PARSCORE_LANG": "vi"})
    assert r.returncode == 2
    assert r.stdout == b""
    # in Vietnamese without tone marks, the one form an ASCII terminal can show
    assert r.stderr.decode().strip() == ("parscore: <stdout>: bang ma cua cua so dong lenh (ascii) khong hien thi duoc chu "
                                         "tieng Viet co dau (ky tu '\\u1ec8'); dat PYTHONIOENCODING=utf-8 hoac mot locale "
                                         "UTF-8 (LANG=C.UTF-8), hoac ghi ra tep voi -o TEP [PS238]")


def test_a_cp1258_terminal_gets_vietnamese_with_combining_tones():
    r = run(PARSCORE + ["score", str(FACTS)], env={"PYTHONIOENCODING": "cp1258", "PARSCORE_LANG": "vi"})
    assert r.returncode == 0, r.stderr
    import unicodedata
    text = r.stdout.decode("cp1258")
    assert unicodedata.normalize("NFC", text).startswith("CHỈ SỐ CẢI CÁCH HÀNH CHÍNH")


def test_lang_c_still_prints():
    """LANG=C: Python's UTF-8 mode for the C locale writes UTF-8; no traceback, no mangled text."""
    r = run(PARSCORE + ["score", str(FACTS)], env={"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "", "PARSCORE_LANG": "vi"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode("utf-8").startswith("CHỈ SỐ CẢI CÁCH HÀNH CHÍNH")


def test_fit_encoding():
    assert fit_encoding("Cà Mau", "ascii") is None
    assert fit_encoding("Cà Mau ố", "cp1258") == "Cà Mau ô\u0301"
    assert fit_encoding("abc", "ascii") == "abc"


# --- control characters and Markdown -------------------------------------------------------------

HOSTILE = 'UBND \\e[31mRED\\e]0;pwned\\a | <b>x</b> & \\u202e \\x9b2J'


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    text = facts_text(FACTS)
    old = 'agency: {code: ca-mau, name: "UBND tỉnh Cà Mau"}'
    assert old in text
    f = tmp_path / "hostile.yaml"
    (tmp_path / "lead-units.yaml").write_bytes((FACTS.parent / "lead-units.yaml").read_bytes())
    f.write_text(text.replace(old, f'agency: {{code: ca-mau, name: "{HOSTILE}"}}'), encoding="utf-8")
    return f


RAW = ("\x1b", "\x07", "\u202e", "\x9b")


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
@pytest.mark.parametrize("command", ["score", "plan", "audit"])
def test_control_characters_never_reach_the_terminal_raw(hostile, command, fmt):
    r = run_cli(command, str(hostile), "-f", fmt)
    out = r.stdout
    assert r.returncode in (0, 1), r.stderr
    assert not any(c in out for c in RAW)
    if fmt != "json":
        assert "UBND \\x1b[31mRED\\x1b]0;pwned\\x07" in out
    else:
        import json
        assert _agency(json.loads(out))["name"] == HOSTILE.replace("\\e", "\x1b").replace(
            "\\a", "\x07").replace("\\u202e", "\u202e").replace("\\x9b", "\x9b")


def _agency(data: dict) -> dict:
    return data.get("agency") or data["card"]["agency"] if "agency" in data or "card" in data else data["before"]["agency"]


def test_error_messages_escape_control_characters_too(tmp_path):
    f = tmp_path / "e.yaml"
    f.write_text('agency: {code: ca-mau, name: x}\nyear: 2025\nfacts:\n  "bad\\e[2Jkey": 1\n', encoding="utf-8")
    r = run_cli("score", str(f))
    assert r.returncode == 2 and "\x1b" not in r.stderr and "\\x1b[2J" in r.stderr


def test_markdown_escapes_pipes_and_html_in_user_text(hostile):
    out = run_cli("score", str(hostile), "-f", "markdown", env={"PARSCORE_LANG": "vi"}).stdout
    row = next(ln for ln in out.splitlines() if ln.startswith("| Cơ quan"))
    assert "\\| &lt;b&gt;x&lt;/b&gt; &amp; " in row
    assert row.count(" | ") == 1  # the escaped pipe does not open a third column
    heading = run_cli("audit", str(hostile), "-f", "markdown").stdout.splitlines()[0]
    assert "&lt;b&gt;" in heading and "<b>" not in heading


def test_escape_helpers():
    assert visible("a\x1b[31mb\tc\nd\re\u202e") == "a\\x1b[31mb\tc\nd\\x0de\\u202e"
    assert visible_json('"a\x9bb"') == '"a\\u009bb"'
    assert md_escape("a|b<c>&d\ne") == "a\\|b&lt;c&gt;&amp;d e"


from hypothesis import given, strategies as st  # noqa: E402


@given(st.text())
def test_visible_text_never_holds_a_terminal_control(text):
    """Law: whatever a user typed, what reaches the terminal holds no C0/C1 control (but newline and tab),
    no DEL and no bidi override."""
    out = visible(text)
    assert not any((ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F or c in "\u202a\u202b\u202c\u202d\u202e"
                   "\u2066\u2067\u2068\u2069\u200e\u200f\u2028\u2029" for c in out)


@given(st.text())
def test_markdown_cells_never_hold_a_raw_pipe_or_tag(text):
    out = md_escape(text)
    assert "<" not in out and ">" not in out and "\n" not in out
    assert all(out[i - 1] == "\\" for i, c in enumerate(out) if c == "|")


@pytest.fixture()
def batch_input(tmp_path):
    """20 facts documents as JSON Lines (enough that both workers write several cards)."""
    line = facts_text(FACTS)
    import json

    import yaml

    doc = yaml.safe_load(line)
    doc.pop("baseline", None)
    doc.pop("lead_units", None)
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(doc, default=str, ensure_ascii=False) + "\n" for _ in range(20)), encoding="utf-8")
    return src


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_on_a_closed_full_or_broken_stdout_ends_cleanly(batch_input, jobs, tmp_path):
    argv = " ".join(PARSCORE) + f" score --batch {batch_input} --jobs {jobs}"
    r = subprocess.run(argv + " >&-", shell=True, cwd=ROOT, stderr=subprocess.PIPE, timeout=60)
    assert (r.returncode, r.stderr.decode().strip()) == (2, "parscore: <stdout>: standard output is closed; redirect it "
                                                            "or write to a file with -o FILE [PS237]")
    with open("/dev/full", "wb") as full:
        r = subprocess.run(argv, shell=True, cwd=ROOT, stdout=full, stderr=subprocess.PIPE, timeout=60)
    assert (r.returncode, r.stderr.decode().strip()) == (2, "parscore: <stdout>: cannot write standard output: No space "
                                                            "left on device; write to a file with -o FILE [PS237]")
    r = subprocess.run(argv + " | head -c 100; echo \"status=${PIPESTATUS[0]}\"", shell=True, executable="/bin/bash",
                       cwd=ROOT, capture_output=True, timeout=60, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert r.stderr == b""   # no traceback, no "Exception ignored"
    assert r.stdout.decode().endswith("status=141\n") or r.stdout.decode().endswith("status=0\n")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("parscore-batch-")]   # no temporary file is left
    whole = subprocess.run(argv, shell=True, cwd=ROOT, capture_output=True, timeout=60)
    assert whole.returncode == 0 and len(whole.stdout.splitlines()) == 20


def test_batch_workers_fill_a_slow_non_blocking_pipe_with_whole_lines_in_order(batch_input):
    """Workers write their shares straight to stdout; a non-blocking pipe read slowly takes a
    piece at a time (writes stop inside lines), and what arrives is still one process's bytes."""
    import fcntl
    import time

    argv = [*PARSCORE, "score", "--batch", str(batch_input)]
    read, write = os.pipe()
    fcntl.fcntl(write, fcntl.F_SETFL, fcntl.fcntl(write, fcntl.F_GETFL) | os.O_NONBLOCK)
    proc = subprocess.Popen([*argv, "--jobs", "2"], cwd=ROOT, stdout=write, stderr=subprocess.PIPE)
    os.close(write)
    got = []
    with os.fdopen(read, "rb") as pipe:
        while chunk := pipe.read1(16384):
            got.append(chunk)
            time.sleep(0.0005)
    assert (proc.wait(timeout=60), proc.stderr.read()) == (0, b"")
    one = subprocess.run([*argv, "--jobs", "1"], cwd=ROOT, capture_output=True, timeout=60)
    assert len(got) > 20 and b"".join(got) == one.stdout and len(one.stdout.splitlines()) == 20


def test_ctrl_c_during_a_batch_ends_it_quietly_and_leaves_no_file(batch_input, tmp_path):
    """Ctrl-C reaches the whole process group: the run ends with 130, no worker prints a
    traceback, and the -o file being written is not left behind (nor put in place)."""
    import signal

    proc = _batch_writing(tmp_path, batch_input, start_new_session=True,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert (proc.returncode, err) == (130, b"")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "many.jsonl"]


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _batch_writing(tmp_path: Path, source: Path, **popen: object) -> subprocess.Popen[bytes]:
    """`score --batch` of 4,000 cards to -o, returned once its workers are writing cards."""
    import time

    many = tmp_path / "many.jsonl"
    many.write_bytes(source.read_bytes() * 200)
    proc = subprocess.Popen([*PARSCORE, "score", "--batch", str(many), "--jobs", "2", "-o", str(tmp_path / "cards.jsonl")],
                            cwd=ROOT, stderr=subprocess.PIPE, **popen)  # type: ignore[call-overload]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.name.endswith(".tmp") and p.stat().st_size for p in tmp_path.iterdir()):
        time.sleep(0.02)
    return proc


def _alive(pid: int) -> bool:
    """Whether process `pid` still runs (not gone, not a zombie waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_worker_killed_outright_ends_the_batch_with_an_error_not_a_hang(batch_input, tmp_path):
    """The system may kill a worker (out of memory): the run stops with PS386 saying how far it
    got, instead of waiting for ever for the killed worker's share; the -o file is not left."""
    import signal

    proc = _batch_writing(tmp_path, batch_input)
    workers = _children(proc.pid)
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.decode().startswith("parscore: --batch: batch: a worker process ended abruptly (stopped by the system, "
                                   "perhaps for want of memory) after ")
    assert err.decode().endswith(" of 4000 inputs; run again with fewer --jobs, or split the input [PS386]\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "many.jsonl"]


def test_workers_end_when_the_batch_they_serve_is_killed(batch_input, tmp_path):
    """The batch process killed outright (it can end no pool): its workers notice and end
    within a second or so, instead of waiting for ever for work or for their turn."""
    import signal
    import time

    proc = _batch_writing(tmp_path, batch_input)
    workers = _children(proc.pid)
    assert len(workers) == 2
    proc.kill()
    proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert left == []


@pytest.mark.parametrize("signame, code", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_batch_asked_to_end_cleans_up_and_says_nothing(batch_input, tmp_path, signame, code):
    """`kill`, a service manager (SIGTERM) or a closed terminal (SIGHUP) end a batch as Ctrl-C
    does: 128 + the signal, nothing on stderr, no temporary -o file left beside the output
    (before, the process died at once and left `.cards.jsonl.xxxx.tmp`), no worker left."""
    import signal
    import time

    proc = _batch_writing(tmp_path, batch_input)
    workers = _children(proc.pid)
    proc.send_signal(getattr(signal, signame))
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (code, b"")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "many.jsonl"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    assert [w for w in workers if _alive(w)] == []


@pytest.mark.parametrize("delay", [0.0, 0.1, 0.25])
def test_sigterm_to_the_whole_process_group_ends_a_batch_without_a_traceback(batch_input, tmp_path, delay):
    """`timeout` and systemd send SIGTERM to every process of the group, the workers included:
    they die at once while the parent ends the run. Python 3.11's process pool printed an
    InvalidStateError traceback when the parent had cancelled the shares of a dying worker
    (seen in 2 of 4 runs before the shares stopped being cancelled); the delays vary the moment."""
    import signal
    import time

    proc = _batch_writing(tmp_path, batch_input, start_new_session=True)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err.decode()) == (143, "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "many.jsonl"]
