"""The history store refuses every store it did not make or that is damaged, with a located message
(exit 2, never a traceback), and a read-only store can still be listed and shown."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from parscore import InputError
from parscore.history import HistoryStore

FACTS = "fixtures/ca-mau-2025/weaknesses.yaml"


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("h") / "good.sqlite"
    r = run_cli("history", "add", FACTS, "--store", str(store))
    assert (r.returncode, r.stdout.strip()) == (0, "1 2"), r.stderr
    return store



@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """The English message ids are checked here (tests/test_i18n.py checks their Vietnamese)."""
    monkeypatch.setenv("PARSCORE_LANG", "en")

def damaged(made: Path, tmp_path: Path, sql: str) -> Path:
    path = tmp_path / "store.sqlite"
    shutil.copy(made, path)
    con = sqlite3.connect(path)
    con.executescript(sql)
    con.commit()
    con.close()
    return path


CASES = {
    "no-schema-version": ("DELETE FROM meta WHERE key = 'schema_version'",
                          "meta.schema_version: the store records no schema version; it was not made by parscore or is "
                          "damaged, give another --store path [PS243]"),
    "bad-schema-version": ("UPDATE meta SET value = 'two' WHERE key = 'schema_version'",
                           "meta.schema_version: 'two' is not a schema version (1 to 2); the store is damaged, give "
                           "another --store path [PS243]"),
    "zero-schema-version": ("UPDATE meta SET value = '0' WHERE key = 'schema_version'",
                            "meta.schema_version: '0' is not a schema version (1 to 2); the store is damaged, give "
                            "another --store path [PS243]"),
    "wrong-columns": ("ALTER TABLE entries RENAME COLUMN note TO remark",
                      "entries: has the columns id, agency, year, stage, methodology, version, digest, inputs_hash, "
                      "created_at, total, idx, grp, card, remark, expected id, agency, year, stage, methodology, version, "
                      "digest, inputs_hash, created_at, total, idx, grp, card, note (schema 2); this store was not made "
                      "by this parscore, give another --store path [PS244]"),
    "no-entries": ("DROP TABLE entries",
                   "store: has no entries table; it is damaged, give another --store path [PS244]"),
    "trigger": ("CREATE TRIGGER wipe AFTER INSERT ON entries BEGIN DELETE FROM entries; END",
                "store: holds triggers parscore did not create (wipe); a history store with triggers is refused, give "
                "another --store path [PS242]"),
    "blob-year": ("UPDATE entries SET year = X'00' WHERE id = 1",
                  "entries.1: this row holds values of the wrong type (a number where text belongs, or binary data); "
                  "the store is damaged [PS245]"),
}


@pytest.mark.parametrize("action", ["list", "show", "add"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_damaged_or_foreign_store_is_refused_clearly(made, tmp_path, case, action):
    sql, message = CASES[case]
    path = damaged(made, tmp_path, sql)
    argv = {"list": ["history", "list"], "show": ["history", "show", "1"], "add": ["history", "add", FACTS]}[action]
    r = run_cli(*argv, "--store", str(path))
    if case == "blob-year" and action != "list":
        assert r.returncode == 0, r.stderr  # the damaged row is not read by show 1's card or by add
        return
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == f"parscore: {path}: {message}"


def test_a_card_that_is_not_json_is_refused_on_show(made, tmp_path):
    path = damaged(made, tmp_path, "UPDATE entries SET card = '{not json' WHERE id = 2")
    r = run_cli("history", "show", "2", "--store", str(path))
    assert r.returncode == 2
    assert r.stderr.strip() == (f"parscore: {path}: entries.2.card: the stored scorecard is damaged (Invalid JSON: key must "
                                "be a string at line 1 column 2); restore the store from a backup or add the entry again [PS245]")
    r = run_cli("diff", "history:1", "history:2", "--store", str(path))
    assert r.returncode == 2 and "[PS245]" in r.stderr and "Traceback" not in r.stderr


def test_a_corrupt_page_is_refused(made, tmp_path):
    path = tmp_path / "store.sqlite"
    shutil.copy(made, path)
    with open(path, "r+b") as fh:  # page 2: the root of a table
        fh.seek(4096)
        fh.write(b"\xff" * 200)
    for argv in (["list"], ["show", "1"], ["add", FACTS]):
        r = run_cli("history", *argv, "--store", str(path))
        assert r.returncode == 2, argv
        assert "Traceback" not in r.stderr and r.stderr.startswith(f"parscore: {path}: store: ")
        assert r.stderr.strip().endswith(("[PS162]", "[PS241]"))


def test_a_garbage_file_with_an_sqlite_header_is_refused(tmp_path):
    path = tmp_path / "store.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    r = run_cli("history", "list", "--store", str(path))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"parscore: {path}: store: ")


@pytest.mark.parametrize("ref", ["99999999999999999999", "9223372036854775808", "0", "-3", "٣"])
def test_an_id_sqlite_cannot_hold_is_a_clear_error(made, ref):
    r = run_cli("history", "show", ref, "--store", str(made))
    assert r.returncode == 2
    assert r.stderr.strip() == (f"parscore: history: id: expected an entry id such as 3 (1 to 9223372036854775807), "
                                f"got {ref!r} [PS165]")
    r = run_cli("diff", f"history:{ref}", "history:1", "--store", str(made))
    assert r.returncode == 2 and "[PS165]" in r.stderr


def test_the_largest_id_is_simply_not_there(made):
    r = run_cli("history", "show", "9223372036854775807", "--store", str(made))
    assert (r.returncode, r.stderr.strip()) == (2, f"parscore: {made}: id: no history entry 9223372036854775807 [PS165]")


def test_list_on_a_missing_store_does_not_create_one(tmp_path):
    path = tmp_path / "none.sqlite"
    r = run_cli("history", "list", "--store", str(path))
    assert r.returncode == 2
    assert r.stderr.strip() == (f"parscore: {path}: store: no history store here yet; add entries with `parscore history "
                                "add FACTS --store ...` or give another --store path [PS240]")
    assert not path.exists()


def _freeze(*paths: Path) -> bool:
    """Make files and directories read-only for this user; root needs the immutable attribute."""
    for p in paths:
        p.chmod(0o555 if p.is_dir() else 0o444)
    if os.geteuid() != 0:
        return True
    r = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True)
    return r.returncode == 0


def _thaw(*paths: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", *map(str, paths)], capture_output=True)
    for p in paths:
        p.chmod(0o755 if p.is_dir() else 0o644)


@pytest.mark.parametrize("readonly_dir", [False, True])
def test_a_read_only_store_can_be_listed_and_shown(made, tmp_path, readonly_dir):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "h.sqlite"
    shutil.copy(made, path)
    frozen = [path, folder] if readonly_dir else [path]
    if not _freeze(*frozen):
        _thaw(*frozen)
        pytest.skip("cannot make a file read-only for root here (no chattr)")
    try:
        r = run_cli("history", "list", "--store", str(path))
        assert r.returncode == 0, r.stderr
        assert [ln.split()[:4] for ln in r.stdout.splitlines()[2:]] == [["1", "ca-mau", "2025", "self"],
                                                                        ["2", "ca-mau", "2025", "computed"]]
        r = run_cli("history", "show", "2", "--store", str(path), "-f", "json", "--lang", "en")
        assert r.returncode == 0 and '"stage": "computed"' in r.stdout
        r = run_cli("diff", "history:1", "history:2", "--store", str(path), "-f", "json")
        assert r.returncode == 0, r.stderr
        r = run_cli("history", "add", "fixtures/ca-mau-2025/targets-met.yaml", "--store", str(path))
        assert r.returncode == 2 and "[PS246]" in r.stderr and "Traceback" not in r.stderr
    finally:
        _thaw(*frozen)


def test_library_refuses_the_same_way(made, tmp_path):
    path = damaged(made, tmp_path, "CREATE TRIGGER t AFTER DELETE ON entries BEGIN SELECT 1; END")
    with pytest.raises(InputError) as e:
        HistoryStore(path, readonly=True)
    assert e.value.problems[0].code == "PS242"
