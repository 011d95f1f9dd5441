"""Languages: the words a person reads, in Vietnamese (the default) or English.

Everything a person reads lives as data in `parscore/messages/`, in two kinds:

- **UI text, looked up by key**, one catalogue per language: `messages/vi.yaml` and
  `messages/en.yaml`, with the same keys and the same `{placeholders}` (a test checks it).
  `labels:` holds machine words shown to people (statuses, provenance, thresholds...), by
  kind: `label(kind, key, lang)` is the one place renderers get them from. `text:` holds
  every heading, column name and sentence a renderer writes, by namespace (report, html,
  official, projection, ranking, unit, audit, excel, web, cli): `text(namespace, lang)`.
- **Messages the code writes in English** (errors, argparse help), translated gettext-style:
  `messages/translations/vi.yaml`, where the English text is the message id, so the code
  keeps raising English messages and no call site changes when a translation is added or
  corrected. English needs no such file.

  - `errors:` per error code, a list of `{en: PATTERN, vi: TEMPLATE}`. PATTERN is the
    English message the code produces, with `{name}` for each variable part (it becomes a
    regex group matching any text; `re:` instead of `en:` gives a raw regex with named
    groups). TEMPLATE is the translation using the same names; `{name|msg}` translates the
    captured text again (a sub-message such as "expected a number, got text 'x'"),
    `{name|word}` looks it up in `words:`, `{name|num}` writes a number the Vietnamese way,
    `{why|constraint}` reads a broken constraint's reason in the language from the rules
    file the message names. The first pattern matching the whole message wins (the code's
    own, then `"*"`, which holds sub-messages any code may contain); `fallback: true`
    entries, tried last, wrap a detail no pattern knows in a Vietnamese frame.
  - `messages:` other sentences a command prints, keyed by a name (like `errors:`).
  - `help:` argparse help texts keyed by the English text, `metavars:`, and `argparse:`
    argparse's own phrases (usage:, invalid choice ...).

Loading is lazy and per language: a file is parsed (libyaml's C loader) the first time one
of its sections is asked for, once per process. `parscore score` in Vietnamese reads only
`vi.yaml`; the translations are read when an error or the help is shown.

A message no pattern matches is shown in English, unchanged: visible, never a crash.
The language is chosen by `--lang` anywhere on the command line, else the environment
variable PARSCORE_LANG, else Vietnamese; `set_language` records it for the process.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import resources
from typing import Any, Iterator, Mapping

import yaml

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
ENV = "PARSCORE_LANG"

_current: str | None = None


def set_language(lang: str | None) -> None:
    """The process-wide language (set by the CLI); None goes back to PARSCORE_LANG / vi."""
    global _current
    _current = lang if lang in LANGS else None


def get_language() -> str:
    if _current is not None:
        return _current
    env = os.environ.get(ENV, "").strip().lower()
    return env if env in LANGS else DEFAULT_LANG


def language_from_argv(argv: list[str]) -> str:
    """`--lang X` or `--lang=X` anywhere in argv (the last one wins), else PARSCORE_LANG, else vi."""
    lang = None
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif a.startswith("--lang="):
            lang = a.split("=", 1)[1]
    if lang in LANGS:
        return lang
    env = os.environ.get(ENV, "").strip().lower()
    return env if env in LANGS else DEFAULT_LANG


KEYED_SECTIONS = ("labels", "text")   # messages/<lang>.yaml: UI text by key
TRANSLATION_SECTIONS = ("errors", "messages", "words", "help", "metavars", "argparse")   # translations/<lang>.yaml


@lru_cache(maxsize=None)
def _read(*parts: str) -> dict[str, Any]:
    """One catalogue file of the package, parsed once per process ({} when there is none)."""
    path = resources.files("parscore").joinpath("messages", *parts)
    if not path.is_file():
        return {}
    # our own file, read with libyaml's safe loader where the wheel has it (about ten times faster)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data or {}


class Catalogue(Mapping[str, Any]):
    """A language's sections, each file read on the first use of one of its sections."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def _file(self, section: str) -> dict[str, Any]:
        if section in KEYED_SECTIONS:
            return _read(f"{self.lang}.yaml")
        if section in TRANSLATION_SECTIONS:
            return _read("translations", f"{self.lang}.yaml")
        return {}

    def __getitem__(self, section: str) -> Any:
        data = self._file(section)
        if section not in data:
            raise KeyError(section)
        return data[section]

    def __iter__(self) -> Iterator[str]:
        return (s for s in (*KEYED_SECTIONS, *TRANSLATION_SECTIONS) if s in self._file(s))

    def __len__(self) -> int:
        return sum(1 for _ in self)


@lru_cache(maxsize=None)
def catalogue(lang: str) -> Catalogue:
    """The message catalogue of a language: `catalogue("vi")["errors"]`, `.get("labels")`...
    English has UI text (labels, text) but no translations: English is the message id."""
    return Catalogue(lang)


def text(namespace: str, lang: str | None = None) -> dict[str, Any]:
    """The UI text of one namespace in `lang`, by key: text("report", "en")["total"] → "Total".
    A language parscore does not have reads as English, like `label`. The mapping (and any
    list in it, such as column headers) is the process's one copy: read it, never change it."""
    lang = lang or get_language()
    return (catalogue(lang if lang in LANGS else "en").get("text") or {}).get(namespace) or {}


class ByLanguage(Mapping[str, Any]):
    """One catalogue entry in every language, indexed like a `{"vi": ..., "en": ...}` dict:
    `HEADERS = ByLanguage("excel", "headers")`, then `HEADERS["vi"]`, `HEADERS.values()`.
    For module constants that code indexes by language; each language's file is read on
    first use."""

    def __init__(self, namespace: str, key: str) -> None:
        self.namespace, self.key = namespace, key

    def __getitem__(self, lang: str) -> Any:
        if lang not in LANGS:
            raise KeyError(lang)
        return text(self.namespace, lang)[self.key]

    def __iter__(self) -> Iterator[str]:
        return iter(LANGS)

    def __len__(self) -> int:
        return len(LANGS)


# ---------------------------------------------------------------- error messages

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_FILL = re.compile(r"\{(\w+)(?:\|(\w+))?\}")


def _pattern(entry: dict[str, Any]) -> re.Pattern[str]:
    if "re" in entry:
        return re.compile(entry["re"], re.S)
    src = str(entry["en"])
    out, pos = [], 0
    for m in _PLACEHOLDER.finditer(src):
        out.append(re.escape(src[pos:m.start()]))
        name = m.group(1)
        # a did-you-mean suffix, " (did you mean 'x'?)" or nothing: never swallows the text before it
        out.append(f"(?P<{name}>(?: \\(did you mean '[^']*'\\?\\))?)" if name == "hint" else f"(?P<{name}>.*?)")
        pos = m.end()
    out.append(re.escape(src[pos:]))
    return re.compile("".join(out), re.S)


@lru_cache(maxsize=None)
def _compiled(lang: str) -> dict[str, list[tuple[re.Pattern[str], str, bool]]]:
    out: dict[str, list[tuple[re.Pattern[str], str, bool]]] = {}
    data = catalogue(lang)
    sections = {**(data.get("errors") or {}), **(data.get("messages") or {})}
    for code, entries in sections.items():
        out[str(code)] = [(_pattern(e), str(e[lang]), bool(e.get("fallback"))) for e in entries]
    return out


class _NoTranslation(Exception):
    """A `{name|msg}` part has no translation: the pattern does not count as a match."""


def _fill(template: str, groups: dict[str, str], lang: str, depth: int, strict: bool, code: str) -> str:
    def one(m: re.Match[str]) -> str:
        name, how = m.group(1), m.group(2)
        value = groups.get(name)
        if value is None:
            return m.group(0)
        if how == "msg":
            if not value:
                return value
            found = _translate_any(value, lang, depth + 1, strict, code)
            if found is None:
                raise _NoTranslation(value)
            return found
        if how == "word":
            return word(value, lang)
        if how == "constraint":
            return _constraint_why(groups, lang) or value
        if how == "num":
            return value.replace(".", ",") if re.fullmatch(r"-?\d+\.\d+", value) else value
        return value

    return _FILL.sub(one, template)


def _constraint_why(groups: dict[str, str], lang: str) -> str | None:
    """A constraint's `why` in `lang`, read from the rules file the message names
    (`(constraint ID, FILE:LINE)`): the message carries only the English one."""
    where, cid = groups.get("where", ""), groups.get("id", "")
    path = re.sub(r":\d+$", "", where)
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
        for c in data.get("constraints") or []:
            if isinstance(c, dict) and c.get("id") == cid and isinstance(c.get("why"), dict):
                text = c["why"].get(lang)
                return " ".join(str(text).split()) if text else None
    except (OSError, yaml.YAMLError, AttributeError, TypeError):
        return None
    return None


def _match(code: str, message: str, lang: str, depth: int, strict: bool, fallbacks: bool = False) -> str | None:
    for pat, template, fallback in _compiled(lang).get(code, []):
        if fallback != fallbacks:
            continue
        m = pat.fullmatch(message)
        if m:
            try:
                return _fill(template, {k: v for k, v in m.groupdict().items() if v is not None}, lang, depth, strict, code)
            except _NoTranslation:
                continue
    return None


def _translate_any(message: str, lang: str, depth: int, strict: bool, code: str) -> str | None:
    """A sub-message: tried against the shared patterns ("*"), then the code's own."""
    if depth > 4 or not message:
        return None
    found = _match("*", message, lang, depth, strict)
    if found is None and code != "*":
        found = _match(code, message, lang, depth, strict)
    return found


def translate_message(code: str, message: str, lang: str | None = None, strict: bool = False) -> str | None:
    """The message in `lang`, or None when the catalogue has no pattern for it.

    `strict` ignores the `fallback: true` entries (a Vietnamese frame around an English
    detail, e.g. a PyYAML or pydantic description no pattern knows): the tests use it to
    find messages that still need a real translation."""
    lang = lang or get_language()
    message = " ".join(message.split())
    if lang == "en":
        return message
    found = _match(code, message, lang, 0, strict)
    if found is None:
        found = _match("*", message, lang, 0, strict)
    if found is None and not strict:
        found = _match(code, message, lang, 0, strict, fallbacks=True)
    return found


def translate(code: str, message: str, lang: str | None = None) -> str:
    """The message in `lang`; English, unchanged, when no pattern matches (never raises)."""
    try:
        found = translate_message(code, message, lang)
    except Exception:  # a broken catalogue entry must never hide the problem itself
        found = None
    return found if found is not None else " ".join(message.split())


# ---------------------------------------------------------------- labels and words

def label(kind: str, key: str, lang: str | None = None) -> str:
    """A machine word as a person reads it: label("status", "full", "vi") → "đạt tối đa",
    label("status", "missing_facts", "en") → "missing facts".

    The `labels:` section of messages/<lang>.yaml. An unknown kind or key comes back unchanged."""
    lang = lang or get_language()
    entry = _labels_of(kind, lang).get(key)
    return key if entry is None else str(entry)


def _labels_of(kind: str, lang: str) -> dict[str, Any]:
    return (catalogue(lang if lang in LANGS else "en").get("labels") or {}).get(kind) or {}


def labels(kind: str, lang: str | None = None) -> dict[str, str]:
    """Every label of one kind (for renderers that build their own tables, e.g. html_report)."""
    lang = lang or get_language()
    return {k: str(v) for k, v in _labels_of(kind, lang).items()}


def word(text: str, lang: str | None = None) -> str:
    lang = lang or get_language()
    if lang == "en":
        return text
    return str((catalogue(lang).get("words") or {}).get(text, text))


def help_text(text: str | None, lang: str | None = None) -> str | None:
    """An argparse help text in `lang` (looked up by its English text)."""
    lang = lang or get_language()
    if text is None or lang == "en" or text == "==SUPPRESS==":
        return text
    found: str = (catalogue(lang).get("help") or {}).get(text, text)
    return found


def has_help(text: str, lang: str) -> bool:
    return lang == "en" or text in (catalogue(lang).get("help") or {})


def argparse_text(text: str, lang: str | None = None) -> str:
    lang = lang or get_language()
    if lang == "en":
        return text
    found: str = (catalogue(lang).get("argparse") or {}).get(text, text)
    return found


VI_LETTERS = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)


def looks_vietnamese(text: str) -> bool:
    return bool(VI_LETTERS.search(text))


# ---------------------------------------------------------------- argparse

_NGETTEXT = {
    ("expected %s argument", "expected %s arguments"): "cần %s giá trị",
    ("conflicting option string: %s", "conflicting option strings: %s"): "tùy chọn bị trùng: %s",
}


class _ArgparseLanguage:
    """argparse builds its own phrases ("usage: ", "invalid choice: ...") with gettext at
    the moment it needs them; while a parser of ours works, those calls go through the
    catalogue's `argparse:` section. Restored afterwards, so other parsers are untouched."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.saved: tuple[Any, Any] | None = None

    def __enter__(self) -> None:
        import argparse

        if self.lang == "en":
            return
        self.saved = (argparse._, argparse.ngettext)  # type: ignore[attr-defined]
        lang = self.lang

        def gettext(text: str) -> str:
            return argparse_text(text, lang)

        def ngettext(singular: str, plural: str, n: int) -> str:
            if lang != "en" and (singular, plural) in _NGETTEXT:
                return _NGETTEXT[(singular, plural)]
            return singular if n == 1 else plural

        argparse._ = gettext  # type: ignore[attr-defined]
        argparse.ngettext = ngettext  # type: ignore[attr-defined]

    def __exit__(self, *exc: Any) -> None:
        import argparse

        if self.saved is not None:
            argparse._, argparse.ngettext = self.saved  # type: ignore[attr-defined]
            self.saved = None


def argparse_language(lang: str) -> _ArgparseLanguage:
    return _ArgparseLanguage(lang)


def translate_parser(parser: Any, lang: str) -> list[str]:
    """Replace every help text and description of `parser` and its subcommands by the
    catalogue's; returns the English texts that have no translation (for the tests)."""
    import argparse

    missing: list[str] = []

    def one(text: str | None) -> str | None:
        if text is None or text == argparse.SUPPRESS:
            return text
        if not has_help(text, lang):
            missing.append(text)
        return help_text(text, lang)

    seen: set[int] = set()

    def walk(p: argparse.ArgumentParser) -> None:
        if id(p) in seen:
            return
        seen.add(id(p))
        p.description = one(p.description)
        metavars = (catalogue(lang).get("metavars") or {}) if lang != "en" else {}
        for action in p._actions:
            action.help = one(action.help)
            if action.option_strings and action.nargs != 0 and not action.choices:
                shown = action.metavar or action.dest.upper()
                action.metavar = metavars.get(shown, shown)
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    choice.help = one(choice.help)
                for sub in action.choices.values():
                    walk(sub)

    walk(parser)
    return missing
