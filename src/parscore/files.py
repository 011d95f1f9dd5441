"""The one place parscore opens a user's file, for reading or for writing.

Reading: `read_bytes` opens the path once with O_NONBLOCK (so a FIFO never blocks), checks what
it opened with `fstat` on that same descriptor (so nothing can be swapped in between a check and
the read), refuses anything that is not a regular file (a FIFO, a device such as /dev/zero, a
socket, a directory) and reads at most `limit` bytes, even from a file that grows while read.

Writing: `write_output` refuses to write over a file the same run read (compared by device and
inode, so a symlink or a hard link to an input is caught too), writes through a temporary file in
the same directory and renames it (a killed process never leaves half a file), and says on stderr
what it wrote. `OUTPUT_FORMATS` maps a file name's extension to an output format in one place.
"""
from __future__ import annotations

import contextlib
import contextvars
import io
import os
import stat
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from .errors import InputError

MAX_INPUT_BYTES = 5 * 1024 * 1024
_CHUNK = 1 << 16

# The output format an `-o NAME.ext` implies when no `-f` is given. A renderer for a new format
# (e.g. docx, pdf) only needs its command to list the format among its choices.
OUTPUT_FORMATS: dict[str, str] = {
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".xml": "junit",
    ".txt": "table",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".docx": "docx",
    ".pdf": "pdf",
}

# (device, inode) of every file read during one command; None outside a command (library use).
_READ: contextvars.ContextVar[dict[tuple[int, int], str] | None] = contextvars.ContextVar("parscore_read", default=None)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def short(name: object, limit: int = 200) -> str:
    """A file name or value as echoed in a message: never more than `limit` characters."""
    text = str(name)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def track_reads() -> contextvars.Token[dict[tuple[int, int], str] | None]:
    """Start recording the files read, so `write_output` can refuse to overwrite one of them."""
    return _READ.set({})


def stop_tracking(token: contextvars.Token[dict[tuple[int, int], str] | None]) -> None:
    _READ.reset(token)


def note_input(path: str | os.PathLike[str]) -> None:
    """Record an input that is read by another library (the SQLite history store)."""
    seen = _READ.get()
    if seen is None:
        return
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return
    seen[(st.st_dev, st.st_ino)] = str(path)


def _open_regular(path: str | os.PathLike[str], field: str) -> tuple[int, os.stat_result]:
    """Open without blocking and check, on the opened descriptor, that it is a regular file."""
    name = short(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError.one(name, None, field, "file not found", "PS001") from None
    except (OSError, ValueError) as exc:  # permission, a name too long, a NUL in the name, a socket (ENXIO)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError.one(name, None, field, f"cannot be read: {reason}", "PS001") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError.one(name, None, field, "is a directory, expected a file", "PS001")
        if not stat.S_ISREG(st.st_mode):
            raise InputError.one(name, None, field, f"is {_kind(st.st_mode)}, not a regular file; "
                                 "save the data to a file and give that file", "PS230")
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _read(fd: int, name: str, field: str, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        try:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
        except OSError as exc:
            raise InputError.one(name, None, field, f"cannot be read: {exc.strerror or exc}", "PS001") from None
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_INPUT_BYTES, field: str = "") -> bytes:
    """The bytes of a regular file, at most `limit`; anything else is a located InputError."""
    name = short(path)
    fd, st = _open_regular(path, field)
    try:
        if st.st_size > limit:
            raise InputError.one(name, None, field, f"file is {st.st_size} bytes; the limit is {limit} bytes", "PS002")
        data = _read(fd, name, field, limit)
        if len(data) > limit:  # it grew while being read
            raise InputError.one(name, None, field, f"file is more than {limit} bytes; the limit is {limit} bytes", "PS002")
        _remember(path, st)
        return data
    finally:
        os.close(fd)


def check_regular(path: str | os.PathLike[str], field: str = "") -> None:
    """Refuse, as `read_bytes` would, a path that is not a regular file (before a library that
    opens it by name, and would block on a FIFO, reads it)."""
    fd, _ = _open_regular(path, field)
    os.close(fd)


@contextlib.contextmanager
def open_text(path: str | os.PathLike[str], limit: int, field: str = "", hint: str = "") -> Iterator[Any]:
    """A regular file as UTF-8 text read as it is iterated (lines: universal newlines, as
    `open`), checked on the opened descriptor (never a FIFO or a device) and refused when it
    is over `limit` bytes (`hint` says what to do instead)."""
    name = short(path)
    fd, st = _open_regular(path, field)
    if st.st_size > limit:
        os.close(fd)
        raise InputError.one(name, None, field, f"file is {st.st_size} bytes; the limit is {limit} bytes{hint}", "PS002")
    with os.fdopen(fd, "r", encoding="utf-8", errors="strict") as fh:
        yield fh
    _remember(path, st)


def input_files(folder: str | os.PathLike[str], suffixes: tuple[str, ...]) -> list[Path]:
    """A folder's input files in name order: the entries named with one of `suffixes`, except
    folders, Excel's lock files (`~$book.xlsx`, there while the workbook is open) and hidden
    files. An entry that is not a regular file (a FIFO, a device) is listed, so that reading
    it refuses it by name (PS230) instead of it being left out in silence."""
    return sorted(x for x in Path(folder).iterdir()
                  if x.suffix.lower() in suffixes and not x.name.startswith(("~$", ".")) and not x.is_dir())


def read_head(path: str | os.PathLike[str], n: int, field: str = "") -> bytes:
    """The first `n` bytes of a regular file of any size (e.g. to recognise a database)."""
    fd, st = _open_regular(path, field)
    try:
        data = _read(fd, short(path), field, n)[:n]
        _remember(path, st)
        return data
    finally:
        os.close(fd)


def _remember(path: str | os.PathLike[str], st: os.stat_result) -> None:
    seen = _READ.get()
    if seen is not None:
        seen[(st.st_dev, st.st_ino)] = os.fspath(path)


def same_file_read(target: str | os.PathLike[str]) -> str | None:
    """The input (as it was named) that `target` is, if this run read it."""
    seen = _READ.get()
    if not seen:
        return None
    try:
        st = os.stat(target)
    except (OSError, ValueError):
        return None
    return seen.get((st.st_dev, st.st_ino))


def check_output(target: str | os.PathLike[str], field: str = "output", replace: bool = True) -> None:
    """Refuse an output that is an input of this run, a directory, or (without `replace`) any existing file."""
    name = short(target)
    clash = same_file_read(target)
    if clash is not None:
        what = "is the input file" if os.fspath(clash) == os.fspath(target) else f"is the same file as the input {short(clash)}"
        raise InputError.one(name, None, field, f"{what}; writing would destroy it, give another -o name", "PS231")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError.one(name, None, field, f"cannot be written: {reason}", "PS001") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError.one(name, None, field, "is a directory; give a file name with -o", "PS001")
    if not replace:
        raise InputError.one(name, None, field, "already exists and is not replaced; give another name with -o NAME, "
                             "or -o with this name to replace it", "PS232")
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISCHR(st.st_mode)):
        raise InputError.one(name, None, field, f"is {_kind(st.st_mode)}; give a regular file name with -o", "PS230")
    if not os.access(target, os.W_OK):  # a file made read-only is not replaced behind its owner's back
        raise InputError.one(name, None, field, "is read-only; make it writable or give another -o name", "PS239")


def write_output(target: str | os.PathLike[str], data: bytes | str, lang: str = "vi", field: str = "output",
                 replace: bool = True) -> None:
    """Write a whole output file safely, then say on stderr what was written."""
    with open_output(target, lang, field, replace) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


class Sink:
    """An output being written: `write(bytes)`, and how many bytes were written."""

    __slots__ = ("_fh", "size")

    def __init__(self, fh: BinaryIO):
        self._fh, self.size = fh, 0

    def write(self, data: bytes) -> None:
        self._fh.write(data)
        self.size += len(data)

    def flush(self) -> None:
        self._fh.flush()

    def fileno(self) -> int:
        return self._fh.fileno()

    def wrote(self, size: int) -> None:
        """Bytes other processes wrote to `fileno()` (batch workers)."""
        self.size += size


@contextlib.contextmanager
def open_output(target: str | os.PathLike[str], lang: str = "vi", field: str = "output",
                replace: bool = True) -> Iterator["Sink"]:
    """A binary file to write an output into, piece by piece (`score --batch -o`): checked
    like `write_output` first, written to a temporary file in the same directory and put in
    place only when the block ends without an error (a failed run leaves the old file, or
    none), then said on stderr."""
    check_output(target, field, replace)
    shown = os.fspath(target)
    name = os.path.realpath(shown)  # through a symlink: the file it points to is written, the link stays
    p = Path(name)
    try:
        st = os.stat(name)
    except OSError:
        st = None
    size = 0
    try:
        if st is not None and stat.S_ISCHR(st.st_mode):  # /dev/null, /dev/full: written in place
            fd = os.open(name, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
            with os.fdopen(fd, "wb") as fh:
                sink = Sink(fh)
                yield sink
                size = sink.size
        elif st is not None and replace and not os.access(str(p.parent) or ".", os.W_OK):
            # a writable file in a directory we may not write: replaced in place (no temporary file possible)
            with open(name, "r+b") as fh:
                fh.truncate(0)
                sink = Sink(fh)
                yield sink
                size = sink.size
        else:
            fd, tmp = tempfile.mkstemp(prefix="." + p.name[:50] + ".", suffix=".tmp", dir=str(p.parent) or ".")
            try:
                with os.fdopen(fd, "wb") as fh:
                    sink = Sink(fh)
                    yield sink
                    size = sink.size
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(tmp, stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask())
                if not replace:  # the name must still be free: link fails if it appeared meanwhile
                    try:
                        os.link(tmp, name)
                    except FileExistsError:
                        raise InputError.one(short(target), None, field, "already exists and is not replaced; "
                                             "give another name with -o NAME, or -o with this name to replace it",
                                             "PS232") from None
                    os.unlink(tmp)
                else:
                    os.replace(tmp, name)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
    except OSError as exc:
        raise InputError.one(short(target), None, field, f"cannot be written: {exc.strerror or exc}", "PS239") from None
    announce_written(shown, size, lang)


def announce_written(path: str | os.PathLike[str], size: int, lang: str = "vi") -> None:
    """`parscore: đã ghi NAME (N byte)` on stderr: every file a command writes is said once, alike."""
    from .i18n import text   # the catalogue is read only when something is written

    announce(text("files", "en" if lang == "en" else "vi")["wrote"].format(name=short(os.fspath(path)), size=size))


def announce(line: str) -> None:
    """One line on stderr saying what was written; a failing stderr does not undo the work."""
    if sys.stderr is None:
        return
    try:
        sys.stderr.write(visible(line) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _umask() -> int:
    """The process umask, read without changing it (os.umask would race with other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


# --- text that reaches a terminal ---------------------------------------------------------------

_BIDI = {0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}


def _escape_char(ch: str) -> str:
    o = ord(ch)
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def _unsafe(o: int) -> bool:
    return (o < 0x20 and o not in (0x0A, 0x09)) or 0x7F <= o <= 0x9F or o in _BIDI or o in (0x2028, 0x2029)


_TABLE = {o: _escape_char(chr(o)) for o in list(range(0x20)) + list(range(0x7F, 0xA0)) + sorted(_BIDI) + [0x2028, 0x2029]
          if _unsafe(o)}


def visible(text: str) -> str:
    """Control characters (ESC and ANSI sequences, C1 controls, bidi overrides, a lone CR) shown as
    visible escapes such as `\\x1b`, so nothing a user typed can drive the terminal."""
    return text.translate(_TABLE)


_JSON_TABLE = {o: f"\\u{o:04x}" for o in _TABLE if o >= 0x7F}


def visible_json(text: str) -> str:
    """JSON already escapes C0 controls; C1 controls and bidi marks become \\uXXXX (the same data)."""
    return text.translate(_JSON_TABLE)


# --- standard output ----------------------------------------------------------------------------

def resolve_format(output: str | None, given: str | None, supported: tuple[str, ...], default: str = "table") -> str:
    """`-f` wins; else `-o NAME.ext` picks the format from OUTPUT_FORMATS; else the default."""
    if given:
        return given
    if output:
        ext = Path(output).suffix.lower()
        fmt = OUTPUT_FORMATS.get(ext)
        if fmt is not None and fmt not in supported:
            exts = sorted(e for e, f in OUTPUT_FORMATS.items() if f in supported)
            raise InputError.one(short(output), None, "output", f"this command cannot write a {ext} file; it writes "
                                 f"{', '.join(supported)} ({', '.join(exts)}); "
                                 "choose one with -f or another -o name", "PS236")
        if fmt is not None:
            return fmt
    return default


def _silence_stdout() -> None:
    """After stdout failed (closed pipe, full disk), point it at /dev/null so the interpreter's last flush
    neither fails again nor prints 'Exception ignored'."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def fit_encoding(text: str, encoding: str) -> str | None:
    """`text` in a form `encoding` can write, if one exists: a letter the code page lacks is decomposed
    (NFD) and recomposed as far as the code page allows, its remaining marks kept as combining marks.
    cp1258 (Windows Vietnamese) has ô and a combining acute but no ố. None when some character cannot be
    written at all (Vietnamese in ASCII)."""
    def fits(s: str) -> bool:
        try:
            s.encode(encoding)
            return True
        except UnicodeEncodeError:
            return False
        except LookupError:
            return False

    out: list[str] = []
    cache: dict[str, str | None] = {}
    for ch in text:
        if ch in cache:
            got = cache[ch]
        elif fits(ch):
            got = cache[ch] = ch
        else:
            parts = unicodedata.normalize("NFD", ch)
            composed, rest = parts[0], []
            for mark in parts[1:]:
                joined = unicodedata.normalize("NFC", composed + mark)
                if len(joined) == 1 and fits(joined):
                    composed = joined
                else:
                    rest.append(mark)
            form = composed + "".join(rest)
            got = cache[ch] = form if fits(form) else None
        if got is None:
            return None
        out.append(got)
    return "".join(out)


def _open_stdout() -> Any:
    """Standard output, or PS237 when it is closed."""
    stream = sys.stdout
    if stream is None or getattr(stream, "closed", False):
        raise InputError.one("<stdout>", None, "", "standard output is closed; redirect it or write to a file with -o FILE", "PS237")
    return stream


@contextlib.contextmanager
def _writing_stdout() -> Iterator[None]:
    """A reader gone stays a BrokenPipeError (the command ends quietly); any other write error is PS237."""
    try:
        yield
    except BrokenPipeError:
        _silence_stdout()
        raise
    except OSError as exc:
        _silence_stdout()
        raise InputError.one("<stdout>", None, "", f"cannot write standard output: {exc.strerror or exc}; "
                             "write to a file with -o FILE", "PS237") from None


class StdoutBytes:
    """Standard output as bytes (`score --batch` writes UTF-8 JSON Lines whatever the terminal's
    encoding), failing as `write_stdout` does; a text stream without bytes (a caller's
    StringIO) is written as text, decoded incrementally (a piece may end inside a character)."""

    def __init__(self) -> None:
        import codecs

        stream = _open_stdout()
        stream.flush()
        self._text = stream
        self._bytes = getattr(stream, "buffer", None)
        self._decode = codecs.getincrementaldecoder("utf-8")().decode

    def write(self, data: bytes) -> None:
        with _writing_stdout():
            if self._bytes is not None:
                self._bytes.write(data)
            else:
                self._text.write(self._decode(data))

    def flush(self) -> None:
        with _writing_stdout():
            (self._bytes or self._text).flush()

    def fileno(self) -> int:
        """The descriptor batch workers write the cards to (io.UnsupportedOperation for a text stream)."""
        if self._bytes is None:
            raise io.UnsupportedOperation("fileno")
        return int(self._bytes.fileno())

    def failed(self, error: OSError) -> None:
        """A write error another process met on `fileno()`, raised as `write` raises its own."""
        with _writing_stdout():
            raise error


def write_stdout(text: str) -> None:
    """Write and flush standard output; every way it can fail is a clear InputError (or BrokenPipeError)."""
    stream = _open_stdout()
    try:
        with _writing_stdout():
            stream.write(text)
            stream.flush()
    except UnicodeEncodeError as exc:
        encoding = getattr(stream, "encoding", None) or exc.encoding
        fitted = fit_encoding(text, encoding)
        if fitted is not None:  # e.g. cp1258: Vietnamese with combining tone marks, as Windows writes it
            write_stdout(fitted)
            return
        bad = exc.object[exc.start:exc.end] if isinstance(exc.object, str) else "?"
        raise InputError.one("<stdout>", None, "", f"the terminal's encoding ({encoding}) cannot show "
                             f"{bad[:1]!a}; set PYTHONIOENCODING=utf-8 or a UTF-8 locale (LANG=C.UTF-8), "
                             "or write to a file with -o FILE", "PS238") from None
