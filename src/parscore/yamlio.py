"""Safe YAML reading that remembers where every value came from.

PyYAML's safe loader builds plain data; we also walk the node tree to record the line
of every key and item, so later validation can say `facts.yaml:14`. Duplicate keys are
an error here (PyYAML would silently keep the last one).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Problem

MAX_INPUT_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
SCORE_KINDS = {"tiers", "boolean", "proportional", "per_occurrence", "survey"}
MAX_NODES = 200_000  # after aliases are expanded: stops "billion laughs" files

Path_ = tuple[str | int, ...]


@dataclass
class Document:
    """Parsed YAML plus the line (1-based) of each path inside it."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int | None:
        """The line of the deepest known prefix of `path`."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return None


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader (libyaml's, ~8× faster, when the wheel has it): plain data only."""


def read_text(path: str | Path) -> str:
    try:
        return _read_text(path)
    except OSError as exc:
        raise InputError.one(str(path)[:200], None, "", f"cannot be read: {exc.strerror or exc}", "PS001") from None


def _read_text(path: str | Path) -> str:
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise InputError.one(name, None, "", "file not found", "PS001")
    if p.is_dir():
        raise InputError.one(name, None, "", "is a directory, expected a YAML file", "PS001")
    size = p.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise InputError.one(name, None, "", f"file is {size} bytes; the limit is {MAX_INPUT_BYTES} bytes", "PS002")
    raw = p.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.one(name, line, "", "not valid UTF-8 text; save the file as UTF-8", "PS003") from None


def load_yaml(path: str | Path, text: str | None = None) -> Document:
    """Read one YAML document safely; every failure is an InputError with a line."""
    name = str(path)
    if text is None:
        text = read_text(path)
    if not text.strip():
        raise InputError.one(name, None, "", "file is empty; expected a YAML mapping", "PS004")
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise InputError.one(name, None, "", "file holds no YAML document", "PS004")
            doc = Document(name, None)
            _check_nodes(node, (), doc, 0, [0])
            try:
                doc.data = loader.construct_document(node)
            except yaml.YAMLError:
                raise
            except Exception as exc:  # a tagged or implicit value PyYAML cannot build (dates, !!bool maybe)
                where, value, tag = _bad_scalar(node)
                if tag.endswith(":timestamp"):
                    message = f"'{value}' is not a real date ({exc}); dates are written YYYY-MM-DD"
                else:
                    message = f"'{value}' cannot be read as {tag.rsplit(':', 1)[-1]}; remove the !! tag or fix the value"
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
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError.one(doc.file, key_node.start_mark.line + 1, _dotted(path),
                                     "mapping keys must be plain names", "PS005")
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
    problems = []
    for err in exc.errors():
        loc = tuple(prefix) + tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        loc = tuple(p for p in loc if p not in ("tagged-union",))
        # a discriminated union repeats its tag in the location: score.tiers.tiers.1 → score.tiers.1
        loc = tuple(p for i, p in enumerate(loc) if not (i > 0 and loc[i - 1] == "score" and p in SCORE_KINDS))
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
        child = node[key] if isinstance(node, (dict, list)) and _has(node, key) else None
        if isinstance(key, str) and key in ("fields", "criteria", "sub_criteria", "rules") and i + 1 < len(loc) \
                and isinstance(child, list) and isinstance(loc[i + 1], int) and loc[i + 1] < len(child):
            item = child[loc[i + 1]]
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
