"""Safe YAML reading that remembers where every value came from.

PyYAML's safe loader builds plain data; we also walk the node tree to record the line
of every key and item, so later validation can say `facts.yaml:14`. Duplicate keys are
an error here (PyYAML would silently keep the last one).
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Problem
from .files import MAX_INPUT_BYTES, read_bytes, short
MAX_DEPTH = 64
MAX_NODES = 200_000  # after aliases are expanded: stops "billion laughs" files

Path_ = tuple[str | int, ...]


@dataclass
class Document:
    """Parsed YAML plus the line (1-based) of each path inside it."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    raw: bytes = b""  # the bytes read (hash these: the file is read once)

    def line(self, path: Path_) -> int | None:
        """The line of the deepest known prefix of `path`."""
        if not self.lines:   # a document with no lines (one JSON Lines record)
            return None
        for end in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return None


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader (libyaml's, ~8× faster, when the wheel has it): plain data only."""


def read_text(path: str | Path) -> str:
    """A user's text file: a regular file (never a FIFO or device), at most MAX_INPUT_BYTES, UTF-8, in NFC."""
    return decode(read_bytes(path, MAX_INPUT_BYTES), str(path))


def decode(raw: bytes, name: str) -> str:
    """UTF-8 bytes → text normalised to NFC, so the same name typed in NFD compares equal.
    UTF-16 with its byte-order mark (Notepad's "Unicode") is read too: the mark says what it is."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return unicodedata.normalize("NFC", raw.decode("utf-16"))
        except UnicodeDecodeError:
            raise InputError.one(short(name), None, "", "not valid UTF-16 text (it begins with UTF-16's mark); "
                                 "save the file as UTF-8", "PS003") from None
    if raw.startswith(b"PK\x03\x04"):
        raise InputError.one(short(name), None, "", "is an Excel workbook (or another zip file), not YAML text; "
                             "give it a .xlsx name, or save the facts as YAML", "PS003")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.one(short(name), line, "", "not valid UTF-8 text; save the file as UTF-8", "PS003") from None
    return unicodedata.normalize("NFC", text)


def load_yaml(path: str | os.PathLike[str], text: str | None = None) -> Document:
    """Read one YAML document safely; every failure is an InputError with a line."""
    name = str(path)
    raw = b""
    if text is None:
        raw = read_bytes(path, MAX_INPUT_BYTES)
        text = decode(raw, name)
    else:
        text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise InputError.one(name, None, "", "file is empty; expected a YAML mapping", "PS004")
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise InputError.one(name, None, "", "file holds no YAML document", "PS004")
            doc = Document(name, None, raw=raw)
            _check_nodes(node, (), doc, 0, [0])
            try:
                doc.data = loader.construct_document(node)
            except yaml.YAMLError:
                raise
            except Exception as exc:  # a tagged or implicit value PyYAML cannot build (dates, !!bool maybe)
                where, value, tag = _bad_scalar(node)
                if tag.endswith(":timestamp"):
                    message = f"'{short(value, 40)}' is not a real date ({exc}); dates are written YYYY-MM-DD"
                else:
                    message = f"'{short(value, 40)}' cannot be read as {tag.rsplit(':', 1)[-1]}; remove the !! tag or fix the value"
                raise InputError.one(name, where, "", message, "PS005") from None
        finally:
            loader.dispose()
    except yaml.composer.ComposerError as exc:
        if exc.problem and "another document" in exc.problem:
            line = exc.problem_mark.line + 1 if exc.problem_mark else None
            raise InputError.one(name, line, "", "a second YAML document starts here ('---'); a file holds one document",
                                 "PS005") from None
        raise InputError.one(name, exc.problem_mark.line + 1 if exc.problem_mark else None, "",
                             f"malformed YAML: {exc.problem}", "PS005") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "malformed YAML"
        if exc.context_mark is not None and exc.problem_mark is not None and exc.context_mark.line != exc.problem_mark.line:
            construct = re.sub(r"^while (parsing|scanning) (a |an )?", "", exc.context or "construct")
            what += f" (the {construct} began on line {exc.context_mark.line + 1})"
        if line is not None and "\t" in (text.splitlines()[line - 1:line] or [""])[0]:
            what += "; indent with spaces, not tabs"
        raise InputError.one(name, line, "", f"malformed YAML: {what}", "PS005") from None
    except yaml.reader.ReaderError as exc:
        at = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line = text[:at].count("\n") + 1 if at >= 0 else None
        raise InputError.one(name, line, "", f"not YAML text: character #x{exc.character:04x} is not allowed "
                             "(is this a binary or non-text file?)" if isinstance(exc.character, int)
                             else f"not YAML text: {exc.reason}", "PS005") from None
    except yaml.YAMLError as exc:
        raise InputError.one(name, None, "", "malformed YAML: " + " ".join(str(exc).split()), "PS005") from None
    except RecursionError:
        raise InputError.one(name, None, "", f"YAML nested too deeply (limit {MAX_DEPTH})", "PS006") from None
    return doc


def read_value(raw: str, file: str, field: str) -> Any:
    """A value typed on a command line or in a form (`--set FACT=017`, the web page's what-if),
    read as a value in a file is read: `25`, `true`, `2025-05-15`, with the same number traps
    (017 is refused, never a silent 15). Text that is not YAML is returned as it is, for the
    fact's own check to refuse with what to write."""
    try:
        return load_yaml(file, text=raw).data
    except InputError as exc:
        trap = next((p for p in exc.problems if p.code == "PS233"), None)
        if trap is not None:
            raise InputError.one(file, None, field, trap.message, "PS233") from None
        return raw


def _check_nodes(node: yaml.Node, path: Path_, doc: Document, depth: int, count: list[int]) -> None:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise InputError.one(doc.file, node.start_mark.line + 1, "",
                             f"YAML expands to more than {MAX_NODES} values (anchors and aliases repeated); write the values out",
                             "PS006")
    if depth > MAX_DEPTH:
        raise InputError.one(doc.file, node.start_mark.line + 1, _dotted(path[:3]) + "…",
                             f"YAML nested too deeply (limit {MAX_DEPTH})", "PS006")
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        _check_scalar(node, path, doc)
    elif isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError.one(doc.file, key_node.start_mark.line + 1, _dotted(path),
                                     "mapping keys must be plain names", "PS005")
            _check_scalar(key_node, path, doc)
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                raise InputError.one(doc.file, line, _dotted(path + (key,)),
                                     f"duplicate key '{key}' (first on line {seen[key]}); each key may appear once",
                                     "PS007")
            seen[key] = line
            doc.lines[path + (key,)] = line
            _check_nodes(value_node, path + (key,), doc, depth + 1, count)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _check_nodes(item, path + (index,), doc, depth + 1, count)


MAX_NUMBER_CHARS = 100
ECHO = 40  # a value echoed in a message is cut to this many characters
_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_NUMBERISH = re.compile(r"[-+]?[\d_.,:]*\d[\d_.,:]*%?")  # \d: any script's digits


def _check_scalar(node: yaml.ScalarNode, path: Path_, doc: Document) -> None:
    """YAML 1.1 reads `017` as 15, `1:30` as 90, `0x1F` as 31 and `1_000` as 1000, and leaves `0o17` or `١٧`
    as text: refuse them all with the plain form to write, rather than guess."""
    v = node.value
    tag = node.tag
    plain = node.style in (None, "")
    number = tag == _INT or tag == _FLOAT
    if len(v) > 200 and (not plain or not number):
        return
    # only numbers, and text that looks like an octal number, can be a trap (checked first: every scalar comes here)
    trap = _trap(v, tag) if plain and (number or "0o" in v or "0O" in v) else None
    if trap is None and not v.isascii() and any(ch.isdigit() and not ch.isascii() for ch in v) \
            and _NUMBERISH.fullmatch(v.strip()):
        ascii_form = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in v.strip())
        trap = f"'{short(v, ECHO)}' is written with non-ASCII digits; write {short(ascii_form, ECHO)} (digits 0-9)"
    if trap is not None:
        raise InputError.one(doc.file, node.start_mark.line + 1, _dotted(path), trap, "PS233")


def _trap(v: str, tag: str) -> str | None:
    s = v.strip()
    body = s.lstrip("+-")
    sign = "-" if s.startswith("-") else ""
    shown = f"'{short(s, ECHO)}'"
    if tag in (_INT, _FLOAT):
        digits = sum(ch.isdigit() for ch in body)
        if len(s) > MAX_NUMBER_CHARS:
            return (f"{shown} is a number of {digits} digits, too long to be a real value; "
                    "check the value (at most 15 digits before the point)")
        if ":" in body:
            value = _base60(body)
            return (f"{shown} is read by YAML as a base-60 number ({sign}{value}); write {sign}{value} "
                    f"if that is meant, or put '{s}' in quotes if it is a time or a text")
        if body[:2].lower() == "0x":
            return f"{shown} is a hexadecimal number; write it in decimal digits: {sign}{int(body.replace('_', ''), 16)}"
        if body[:2].lower() == "0b":
            return f"{shown} is a binary number; write it in decimal digits: {sign}{int(body[2:].replace('_', ''), 2)}"
        if tag == _INT and len(body) > 1 and body.startswith("0"):
            digits_only = body.replace("_", "")
            return (f"{shown} starts with 0, so YAML reads it as an octal number ({sign}{int(digits_only, 8)}); write "
                    f"{sign}{digits_only.lstrip('0') or '0'} without the leading zero, or '{s}' in quotes if it is a code")
        if "_" in body:
            return f"{shown} has '_' between digits; write {s.replace('_', '')} (digits only)"
        if tag == _FLOAT:
            return digits_lost(s)
    elif tag == "tag:yaml.org,2002:str" and re.fullmatch(r"0[oO][0-7_]+", body):
        return f"{shown} is not read as a number by YAML 1.1; write it in decimal digits: {sign}{int(body[2:].replace('_', ''), 8)}"
    return None


def digits_lost(text: str) -> str | None:
    """Why a number written `text` cannot be read as written, or None. YAML and JSON read
    numbers with a point as binary floats, which keep 15 to 17 significant digits:
    33.3333333333333333333 would be scored (and shown on the card) as 33.333333333333336.
    Up to 15 digits always come back as written; longer ones are checked."""
    if len(text) <= 16:
        return None
    try:
        written = Decimal(text)
        kept = Decimal(repr(float(text)))
    except (ArithmeticError, ValueError):
        return None   # not a finite number: its reader refuses it
    if not written.is_finite() or kept == written:
        return None
    return (f"'{short(text, ECHO)}' has more significant digits than a number keeps here (15); "
            f"write {format(written, '.15g')}")


def _base60(body: str) -> str:
    parts = body.replace("_", "").split(":")
    total = 0.0 if "." in parts[-1] else 0
    for part in parts:
        total = total * 60 + (float(part) if "." in part else int(part))
    return str(total)


def _bad_scalar(root: yaml.Node) -> tuple[int | None, str, str]:
    """The first scalar that cannot be built (a date like 2025-02-30, `!!bool maybe`)."""
    loader = _Loader("")
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node)
            except Exception:
                return node.start_mark.line + 1, node.value, node.tag
        elif isinstance(node, yaml.MappingNode):
            stack.extend(v for pair in reversed(node.value) for v in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return None, "?", "a value"


def _dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def pydantic_problems(doc: Document, exc: Any, prefix: Path_ = (), code: str = "PS010") -> list[Problem]:
    """Turn a pydantic ValidationError into located problems."""
    from .kinds import KINDS   # the registered `kind:` values (a test may register its own)

    problems = []
    for err in exc.errors():
        loc = tuple(prefix) + tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        loc = tuple(p for p in loc if p not in ("tagged-union",))
        # a discriminated union repeats its tag in the location: score.tiers.tiers.1 → score.tiers.1
        loc = tuple(p for i, p in enumerate(loc) if not (i > 0 and loc[i - 1] == "score" and p in KINDS))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field; check the spelling"
        elif err["type"] == "missing":
            msg = "required field is missing"
        problems.append(Problem(doc.file, doc.line(loc), _readable(doc.data, loc), msg, code))
    return problems


def _readable(data: Any, loc: Path_) -> str:
    """`fields.0.criteria.1.max` → `1.2.max`: list items that carry a code are named by it."""
    parts: list[str] = []
    node = data
    i = 0
    while i < len(loc):
        key = loc[i]
        child = node[key] if isinstance(node, (dict, list)) and _has(node, key) else None  # type: ignore[index]  # _has: a list is indexed by an int only
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        if isinstance(key, str) and key in ("fields", "criteria", "sub_criteria", "rules") \
                and isinstance(child, list) and isinstance(nxt, int) and nxt < len(child):
            item = child[nxt]
            label = item.get("code") or item.get("id") if isinstance(item, dict) else None
            if isinstance(label, str) and label:
                parts = [label] if key != "rules" else parts + ["rules", label]
                node = item
                i += 2
                continue
        parts.append(str(key))
        node = child
        i += 1
    return ".".join(parts)


def _has(node: Any, key: Any) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(key, int) and 0 <= key < len(node)


def load_model(path: str | Path, model: Any, code: str, expected: str, prepare: Any = None) -> tuple[Any, Document]:
    """Read a YAML mapping and validate it as a pydantic model; problems are located."""
    from pydantic import ValidationError

    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError.one(doc.file, 1, "", f"expected {expected}", code)
    data = {str(k): v for k, v in doc.data.items()}
    if prepare is not None:
        data = prepare(data)
    try:
        return model.model_validate(data), doc
    except ValidationError as exc:
        raise InputError(pydantic_problems(doc, exc, code=code)) from None
