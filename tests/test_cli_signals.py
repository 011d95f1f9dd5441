"""How the command line ends when it is asked to (SIGTERM, SIGHUP) in the middle of a command:
through Python's cleanups, with 128 + the signal's number, its handlers put back after."""
from __future__ import annotations

import os
import signal
import threading

import pytest

from parscore import cli


@pytest.mark.parametrize("signame, code", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_command_asked_to_end_runs_its_cleanups_and_returns_128_plus_the_signal(monkeypatch, tmp_path, signame, code):
    signum = getattr(signal, signame)
    out = tmp_path / "card.json"
    real = cli.cmd_score

    def interrupted(args):   # the signal comes while the command is writing its output
        from parscore.files import open_output

        with open_output(str(out), "en", "-o") as sink:
            sink.write(b"{")
            os.kill(os.getpid(), signum)
            sink.write(b"}")   # never reached: the handler raised
        return real(args)

    monkeypatch.setattr(cli, "cmd_score", interrupted)
    monkeypatch.setattr(cli, "_parser", cli._parser.__wrapped__)   # a parser bound to the patched command
    before = signal.getsignal(signum)
    assert cli.main(["score", "fixtures/ca-mau-2025/weaknesses.yaml", "-o", str(out)]) == code
    assert list(tmp_path.iterdir()) == []   # the temporary file removed, nothing put in place
    assert signal.getsignal(signum) is before


def test_a_handler_set_by_the_program_embedding_parscore_is_left_alone(monkeypatch):
    seen = []
    mine = signal.signal(signal.SIGTERM, lambda s, f: seen.append(s))
    try:
        assert cli.main(["criteria", "--lang", "en"]) == 0
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        os.kill(os.getpid(), signal.SIGTERM)
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, mine)


def test_main_called_from_another_thread_sets_no_handler():
    codes = []
    t = threading.Thread(target=lambda: codes.append(cli.main(["criteria"])))
    t.start()
    t.join(60)
    assert codes == [0] and signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None)
