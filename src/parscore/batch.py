"""Batch scoring: many agencies or scenarios in one run, one JSON line per card.

Inputs (`parscore score --batch IN`):
- a directory: every `*.yaml`, `*.yml` and filled `*.xlsx` template in it, by file name;
- a JSON Lines file (`*.jsonl`): one facts document per line (the facts-file mapping
  written as JSON: agency, year, methodology, facts, claimed...);
- a workbook with one agency per sheet (`parscore template -m ID --units ROSTER -o X.xlsx`,
  the roster listing the agencies), read whole first: a bad cell stops the run with every
  problem located (`X.xlsx: ca-mau!D12`), as `rank` reads it. A single agency's template
  (one sheet per field) is refused with PS383 saying what to give instead.

Output: one card per line (the JSON contract on one line, `,` and `:` between items
without spaces, as JSON Lines are written), in input order whatever
the number of workers, so the same input gives the same bytes. A bad input is skipped,
reported with its location on stderr after the results, and the run ends with exit 2;
the others are still scored. Work is spread over processes (`jobs`, default all
cores) with `concurrent.futures.ProcessPoolExecutor` (forked on Linux: the methodology is
loaded and its engine compiled once, before the workers start; the fast engine by
default), in shares of consecutive inputs; each worker writes its share's lines to the
output itself, in input order (`_InTurn`). Ctrl-C, an error, or a worker the system
kills (PS386) ends the run without a traceback or a wait. The same `score_one` is what
a Dask bag or a Ray task would map over the inputs (see the README).
"""
from __future__ import annotations

import errno
import gc
import json
import os
import select
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from .dates import take_readings
from .errors import InputError, Problem
from .files import MAX_INPUT_BYTES, input_files, note_input, open_text
from .jsontext import loads, lone_surrogate
from .loading import Facts, Methodology, facts_from_document, load_methodology, read_facts_document
from .scorecard import score_data, score_line
from .yamlio import Document

INPUT_SUFFIXES = (".yaml", ".yml", ".xlsx")
# A JSON Lines batch is held in memory while it is scored: at most 1 GiB of it (about 100,000
# facts documents), each line at most the 5 MiB any facts file may have.
MAX_BATCH_BYTES = 1 << 30
_SPLIT = " for a JSON Lines batch; split it into several files"


@dataclass(frozen=True)
class Job:
    """One input: where it is (file, or file:line) and what to read."""

    where: str
    path: str
    line: int | None = None        # JSON Lines: the line number
    text: str | None = None        # JSON Lines: the line itself
    facts: Facts | None = None     # a workbook's sheet: the agency's facts, read with the whole workbook


@dataclass(frozen=True)
class Result:
    where: str
    line: bytes | None             # the card as one JSON line (UTF-8, newline at the end)
    problems: tuple[Problem, ...]
    agency: tuple[str, str] = ("", "")
    index: Decimal | None = None
    group: str | None = None
    total: Decimal | None = None
    methodology: str = ""          # the methodology (id and version) the card was judged under
    readings: tuple[tuple[str, date], ...] = ()   # dates read day first (03/04/2025): said with the input's place


def jobs_of(path: str, methodology: str | None = None, overlay: str | None = None, lang: str = "vi") -> list[Job]:
    """The inputs a batch path holds, in order (file name order; line order; sheet order).
    A workbook with one agency per sheet is read here, whole (`unit_workbook.read_units_workbook`:
    every bad cell located by sheet and cell, all at once), under `methodology` or the one the
    workbook names."""
    p = Path(path)
    if p.is_dir():
        files = input_files(p, INPUT_SUFFIXES)
        if not files:
            raise InputError.one(path, None, "", f"the directory holds no facts files ({', '.join(INPUT_SUFFIXES)})", "PS381")
        for f in files:
            note_input(f)   # `-o` never writes over an input
        return [Job(str(f), str(f)) for f in files]
    if not p.exists():
        raise InputError.one(path, None, "", "file or directory not found", "PS001")
    if p.suffix.lower() == ".jsonl":
        note_input(p)
        out = []
        size = 0
        with open_text(p, MAX_BATCH_BYTES, hint=_SPLIT) as fh:   # never a FIFO or a device: PS230
            try:
                for n, raw in enumerate(fh, 1):
                    size += len(raw)
                    if size > MAX_BATCH_BYTES:   # it grew while being read
                        raise InputError.one(path, None, "", f"file is more than {MAX_BATCH_BYTES} bytes; the limit is "
                                             f"{MAX_BATCH_BYTES} bytes{_SPLIT}", "PS002")
                    if raw.strip():
                        out.append(Job(f"{path}:{n}", path, n, raw))
            except UnicodeDecodeError:
                raise InputError.one(path, None, "", "not valid UTF-8 text; save the file as UTF-8", "PS003") from None
        if not out:
            raise InputError.one(path, None, "", "the JSON Lines file holds no facts documents", "PS381")
        return out
    if p.suffix.lower() == ".xlsx":
        return _sheet_jobs(path, methodology, overlay, lang)
    raise InputError.one(path, None, "", "expected a directory of facts files, a .jsonl file (one facts document per line) "
                         "or a directory of filled .xlsx templates", "PS383")


def _sheet_jobs(path: str, methodology: str | None, overlay: str | None, lang: str) -> list[Job]:
    """One job per agency sheet of a workbook made by `parscore template --units ROSTER -o X.xlsx`."""
    from .unit_workbook import open_units_workbook, read_units_workbook

    opened = open_units_workbook(path)
    meta = opened[1] or {}
    if meta.get("layout") != "one-sheet-per-unit":
        what = ("is a single agency's workbook, not one with one agency per sheet" if meta else
                "is not a workbook parscore made (no _parscore sheet), nor one with one agency per sheet")
        raise InputError.one(path, None, "", f"{what}; give a directory of filled templates (one workbook per agency), a "
                             "workbook with one sheet per agency (`parscore template -m ID --units ROSTER -o FILE.xlsx`), "
                             "or a JSON Lines file", "PS383")
    ref = methodology or meta.get("methodology")
    m = load_methodology(ref if isinstance(ref, str) and ref else "par-province-892", overlay=overlay)
    return [Job(f.file, path, facts=f) for f in read_units_workbook(path, m, lang, opened)]


class Scorer:
    """Scores jobs in one process: methodologies loaded and engines compiled once per process."""

    def __init__(self, methodology: str | None, overlay: str | None, lang: str, engine: str, lines: bool = True):
        self.methodology, self.overlay, self.lang, self.engine = methodology, overlay, lang, engine
        self.lines = lines   # False: the cards are not wanted, only the ranking's columns (line b"")
        self._m: dict[str, Methodology] = {}

    def _load(self, ref: str) -> Methodology:
        if ref not in self._m:
            self._m[ref] = load_methodology(ref, overlay=self.overlay)
        return self._m[ref]

    def facts(self, job: Job) -> tuple[Methodology, Facts]:
        if job.facts is not None:   # a workbook's sheet, read with the whole workbook
            return self._load(self.methodology or job.facts.methodology or "par-province-892"), job.facts
        if job.path.lower().endswith(".xlsx"):
            from .excel import import_xlsx
            m = self._load(self.methodology or "par-province-892")
            return m, import_xlsx(job.path, m)[0]
        if job.text is not None:
            size = len(job.text.encode("utf-8", "surrogatepass")) if len(job.text) > MAX_INPUT_BYTES // 4 else 0
            if size > MAX_INPUT_BYTES:   # (a character is at most 4 bytes: a shorter line is not measured)
                raise InputError.one(job.where, None, "", f"the line is {size} bytes; the limit is {MAX_INPUT_BYTES} bytes "
                                     "for one facts document", "PS002")
            try:
                data = loads(job.text.removeprefix("\ufeff") if job.line == 1 else job.text, job.where)   # (Notepad's BOM)
            except json.JSONDecodeError as exc:
                raise InputError.one(job.where, None, "", f"not a JSON document ({exc.msg} at column {exc.colno}); "
                                     "write one facts mapping per line", "PS382") from None
            except (ValueError, RecursionError):   # a number of thousands of digits, or nesting too deep
                raise InputError.one(job.where, None, "", "not a JSON document (a number too long or nesting too deep); "
                                     "write one facts mapping per line", "PS382") from None
            if not isinstance(data, dict):
                raise InputError.one(job.where, None, "", "expected a facts mapping with agency, year and facts", "PS382")
            half = lone_surrogate(data, job.text)
            if half is not None:
                raise InputError.one(job.where, None, "", f"not a JSON document for a person to read ({half} is half of a "
                                     "surrogate pair, not a character); write the character itself", "PS382")
            doc = Document(job.where, data)
        else:
            doc = read_facts_document(job.path)
        ref = self.methodology or doc.data.get("methodology") or "par-province-892"
        if not isinstance(ref, str):
            raise InputError.one(doc.file, doc.line(("methodology",)), "methodology",
                                 "expected a methodology id such as par-province-892, or a path to a .yaml file", "PS071")
        if ref.endswith((".yaml", ".yml")) and job.text is None:
            ref = str(Path(job.path).parent / ref)
        m = self._load(ref)
        return m, facts_from_document(doc, m)

    def score_one(self, job: Job) -> Result:
        """One input's card, or its problems; the dates it read day first come back with it (read in a
        worker, they would otherwise never be said)."""
        take_readings()   # (none left over from another input)
        result = self._score_one(job)
        readings = take_readings()
        return replace(result, readings=tuple(readings)) if readings else result

    def _score_one(self, job: Job) -> Result:
        try:
            m, facts = self.facts(job)
            if self.lines:
                data, line = score_line(m, facts, self.lang, self.engine)
            else:
                data, line = score_data(m, facts, self.lang, self.engine), b""
        except InputError as exc:
            return Result(job.where, None, tuple(exc.problems))
        except OSError as exc:
            return Result(job.where, None, (Problem(job.where, None, "", f"cannot be read: {exc.strerror or exc}", "PS001"),))
        return Result(job.where, line, (), (facts.agency.code, facts.agency.name), data["index"], data["group"], data["total"],
                      f"{m.id} {m.version}")


_WORKER: Scorer | None = None


def _init(methodology: str | None, overlay: str | None, lang: str, engine: str, worker: bool = True,
          lines: bool = True, shared: "_InTurn | None" = None, stop: Any = None) -> None:
    global _WORKER, _SHARED, _STOP
    if worker:
        # Ctrl-C, and a closing terminal's SIGHUP, reach the whole process group: the parent
        # stops the run and ends the pool; a worker interrupted mid-card would only print its
        # traceback. SIGTERM ends a worker outright, as the pool ends a broken one (a forked
        # worker would otherwise keep the command line's handler, `cli.Stopped`).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER = Scorer(methodology, overlay, lang, engine, lines)
    _SHARED, _STOP = shared, stop
    if not worker:   # scoring in the caller's process: its collector is left as it is
        return
    _watch_parent(os.getppid())
    # A worker process builds and drops thousands of cards, plain data without reference cycles: the
    # long-lived objects (methodology, compiled engine, card plan) are moved out of the
    # collector's sight and young collections run less often. Scoring runs ~10% faster, and
    # forked workers do not copy the parent's memory by touching it for collections.
    gc.freeze()
    gc.set_threshold(10_000, 50, 50)


def _watch_parent(parent: int) -> None:
    """End this worker when the process that started it is gone (killed outright: it can end
    no pool). A worker would otherwise wait for ever, for work or for its turn to write, as
    its siblings keep the pool's pipes open."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)
    threading.Thread(target=watch, name="parscore-parent-watch", daemon=True).start()


def _score(job: Job) -> Result:
    assert _WORKER is not None
    return _WORKER.score_one(job)


class _InTurn:
    """How forked workers write their shares straight to the output's file descriptor, in input
    order: share k is written when share k - 1 has been (`turn` counts the shares written).
    Made before the pool forks its workers, which receive it through the pool's initializer
    as it is (nothing pickled), with the descriptor and the jobs (a share is then sent as two
    positions, not its inputs). The output's bytes are copied once, by the worker that made
    them; the parent only counts them.

    Only the worker whose turn it is writes, so no lock is held while writing. A worker
    waiting for its turn sleeps on `wake`, which each writer (and `abort`) releases once per
    worker; it never waits on another process: a multiprocessing Condition's `notify` waits
    for every sleeper to wake, and hung for ever when one had been killed while waiting
    (SIGTERM to the whole process group, the system's out-of-memory killer). The wait also
    looks again every 50 ms, whatever happens to the others."""

    def __init__(self, ctx: Any, fd: int, jobs: list[Job], workers: int, stop: Any):
        self.fd, self.jobs, self.workers = fd, jobs, workers
        self.turn = ctx.Value("q", 0, lock=False)     # the next share to write
        # the run's stop flag: set when a share is not written (the later ones are not either, and
        # the shares not started are skipped) or when the run ends early (`abort`)
        self.failed = stop
        self.wake = ctx.BoundedSemaphore(workers)     # at most one wake-up per worker waits to be taken
        for _ in range(workers):
            self.wake.acquire()

    def _wake_all(self) -> None:
        for _ in range(self.workers):
            try:
                self.wake.release()
            except ValueError:   # every worker has a wake-up waiting already
                break

    def abort(self) -> None:
        """No share is written any more, and a worker waiting for its turn stops waiting (the
        run ended early: an error, Ctrl-C, a caller that stopped reading)."""
        self.failed.value = 1
        self._wake_all()

    def write(self, seq: int, data: bytes) -> OSError | None:
        """Wait for share `seq`'s turn, write it whole, pass the turn on. A write error comes back
        (the parent reports it as it reports its own); after one, nothing more is written."""
        while self.turn.value != seq and not self.failed.value:
            self.wake.acquire(timeout=0.05)
        if self.failed.value:
            return None
        error = None
        try:
            _write_all(self.fd, data)
        except OSError as exc:
            self.failed.value = 1
            error = exc
        except BaseException:
            self.failed.value = 1
            raise
        finally:
            self.turn.value = seq + 1
            self._wake_all()
        return error


def _write_all(fd: int, data: bytes) -> None:
    """All of `data` (one share's lines, joined: measured cheaper than `writev` of the lines,
    which left more of the workers' time in the kernel)."""
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:   # a non-blocking output that is full: wait until it takes more
            select.select([], [fd], [])
            continue
        if n == 0:
            raise OSError(errno.EIO, "the output took no bytes")
        view = view[n:]


_SHARED: _InTurn | None = None   # a forked worker's shared output (given to `_init` as the pool starts it)
_STOP: Any = None   # a pool's flag, set when its run ends early: the shares not done are skipped


def _stopped() -> bool:
    return _STOP is not None and bool(_STOP.value)


def _score_share(task: tuple[int, int, int] | tuple[int, list[Job]]) -> tuple[list[Result], int, OSError | None]:
    """A worker's share: some consecutive jobs (by position in the inherited jobs, or sent along).
    With a shared output, their lines are written there in turn and come back as b"", with the
    number of bytes written and any write error; otherwise the lines come back in the results."""
    shared = _SHARED
    if _stopped():   # the run ended early: a share not started is skipped (see run_batch)
        return [], 0, None
    if len(task) == 3:
        assert shared is not None
        seq, start, end = task
        results = [_score(job) for job in shared.jobs[start:end]]
    else:
        seq, jobs = task
        results = [_score(job) for job in jobs]
    if shared is None:
        return results, 0, None
    # (a job that raised never gets here: its share's turn does not come, and the later shares
    # wait until the parent, raising the error, aborts the run: `_InTurn.abort`)
    data = b"".join([r.line for r in results if r.line])
    error = shared.write(seq, data)
    return [r if r.line is None else replace(r, line=b"") for r in results], len(data), error


_MAX_WORKERS = 61   # the most processes a pool may have on Windows (more than the cores only adds memory)


class _Discard:
    """`run_batch(out=DISCARD)`: the cards are not wanted (only the results' ranking columns)."""


DISCARD: Any = _Discard()


def _descriptor(out: Any) -> int | None:
    """The file descriptor forked workers can write `out`'s bytes to (flushed first), or None:
    an in-memory stream, or no output."""
    if out is None:
        return None
    try:
        fd = out.fileno()
        out.flush()
    except (AttributeError, OSError, ValueError):   # io.UnsupportedOperation is an OSError
        return None
    return fd if isinstance(fd, int) else None


def _written(sink: Any, res: Result) -> Result:
    """The result after its line is written to `sink` (if any), carrying b"" instead."""
    if sink is None or not res.line:   # no output, a refused input, or a line already written
        return res
    sink.write(res.line)
    return replace(res, line=b"")


def run_batch(jobs: list[Job], methodology: str | None = None, overlay: str | None = None, lang: str = "vi",
              engine: str = "fast", workers: int | None = None, progress: bool = False,
              out: Any = None) -> Iterator[Result]:
    """Results in input order. `workers` processes (default: all cores); 1 runs in this process.

    With `out` (an open binary output: a file, `sys.stdout.buffer`, `files.Sink`), the cards'
    lines are written there in input order as they are done, and each scored result's
    `line` is b"". When `out` has a file descriptor (and workers are forked), each worker
    writes its share's lines to it in turn, so the lines never travel between processes
    and are copied once (`_InTurn`); otherwise they come back to this process, which writes
    them. `out=DISCARD`: no line is made (`-f table` wants the ranking only). Without `out`,
    each result carries its line. A write error is raised here, as `out.write` raises it
    (through `out.failed(exc)` when the output maps its errors, as standard output does)."""
    n = workers or os.cpu_count() or 1
    n = max(1, min(n, len(jobs), _MAX_WORKERS))
    bar = _Progress(len(jobs)) if progress else None
    lines = out is not DISCARD
    sink: Any = None if out is None or out is DISCARD else out
    if n == 1:
        _init(methodology, overlay, lang, engine, worker=False, lines=lines)
        for job in jobs:
            res = _written(sink, _score(job))
            if bar:
                bar.step()
            yield res
    else:
        import multiprocessing as mp

        fork = sys.platform.startswith("linux")
        fd = _descriptor(sink) if fork else None
        if fork:  # load and compile here once; forked workers inherit them instead of each redoing it
            _warm(methodology, overlay, lang, engine)
            gc.freeze()   # and keep them out of the collector, so no worker copies their pages
        shared = None
        try:
            ctx = mp.get_context("fork" if fork else "spawn")
            stop = ctx.Value("b", 0, lock=False)   # set when the run ends early: the shares not started are skipped
            size = max(1, min(64, len(jobs) // (n * 8) or 1))
            tasks: list[Any]
            if fd is not None:
                shared = _InTurn(ctx, fd, jobs, n, stop)   # forked workers receive it as it is (nothing pickled)
                tasks = [(i, a, a + size) for i, a in enumerate(range(0, len(jobs), size))]
            else:
                tasks = [(i, jobs[a:a + size]) for i, a in enumerate(range(0, len(jobs), size))]
            # concurrent.futures rather than multiprocessing.Pool: a worker killed outright (by the
            # system, for want of memory) breaks the pool with an error instead of leaving its
            # share's result awaited for ever
            pool = ProcessPoolExecutor(n, mp_context=ctx, initializer=_init,
                                       initargs=(methodology, overlay, lang, engine, True, lines, shared, stop))
            done = 0
            try:
                # futures awaited in turn, never cancelled (unlike `pool.map`'s on an early end):
                # Python 3.11's pool raises InvalidStateError in its own thread, printing a
                # traceback, when a cancelled share's worker dies (`timeout` sends SIGTERM to the
                # whole process group); the `stop` flag makes the shares left over no-ops instead
                for future in [pool.submit(_score_share, task) for task in tasks]:
                    results, written, error = future.result()
                    if error is not None:
                        _failed(sink, error)
                    if written and hasattr(sink, "wrote"):
                        sink.wrote(written)   # a Sink counts what was written
                    for res in results:
                        res = _written(sink, res)   # (a worker that wrote its share sent b"")
                        if bar:
                            bar.step()
                        done += 1
                        yield res
            except BrokenProcessPool:
                raise InputError.one("--batch", None, "batch", f"a worker process ended abruptly (stopped by the system, "
                                     f"perhaps for want of memory) after {done} of {len(jobs)} inputs; run again with "
                                     "fewer --jobs, or split the input", "PS386") from None
            finally:   # on an error, Ctrl-C, SIGTERM or a caller that stops reading: no share waits or runs on
                if shared is not None:
                    shared.abort()   # (sets `stop` and wakes the workers waiting for their turn)
                else:
                    stop.value = 1
                pool.shutdown(wait=True)
        finally:
            if fork:
                gc.unfreeze()   # this process's objects are collected again as usual
    if bar:
        bar.done()


def _failed(out: Any, error: OSError) -> None:
    """A worker's write error, raised as the output raises its own."""
    failed = getattr(out, "failed", None)
    if failed is not None:
        failed(error)
    raise error


def _warm(methodology: str | None, overlay: str | None, lang: str, engine: str) -> None:
    from .cards import plan_for
    from .evaluation import engine_for
    try:
        m = load_methodology(methodology or "par-province-892", overlay=overlay)
    except InputError:
        return  # each input reports its own methodology problem
    engine_for(m, engine)
    plan_for(m, lang)


class _Progress:
    """A one-line progress bar on stderr (only used when stderr is a terminal)."""

    def __init__(self, total: int):
        self.total, self.n, self.last = total, 0, 0.0

    def step(self) -> None:
        self.n += 1
        now = time.monotonic()
        if now - self.last > 0.1 or self.n == self.total:
            self.last = now
            width = 30
            filled = width * self.n // max(1, self.total)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.n}/{self.total}")
            sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


def ranking(results: list[Result]) -> list[list[Any]]:
    """Rows (rank, agency code, name, total, index, group, input) by index, highest first;
    equal indices share a rank (1, 2, 2, 4); ties keep input order."""
    scored = [r for r in results if r.line is not None]
    order = sorted(range(len(scored)), key=lambda i: (-(scored[i].index or 0), i))
    rows: list[list[Any]] = []
    for pos, i in enumerate(order):
        r = scored[i]
        rank = rows[-1][0] if rows and rows[-1][4] == r.index else pos + 1
        rows.append([rank, r.agency[0], r.agency[1], r.total, r.index, r.group, r.where])
    return rows
