"""Scoring kinds: one module per kind, one registry.

`KINDS` maps each YAML `kind:` value to its `Kind` (the compare module answers to three
values). Everything that depends on the kind (loading's checks, the compiler, the award,
explanations, the planner, the fast path) looks the kind up here with `for_score`; no
module tests a score's class. To add a kind, see docs/rule-format.md ("How to add a kind"):
one module, one `register(...)` line below, one row in that document, and its rule cases.
"""
from __future__ import annotations

from typing import Any, Callable

from .base import REQUIRED_PARTS, CheckContext, Kind, Outcome, Pattern, Spec, Test

KINDS: dict[str, Kind] = {}
_listeners: list[Callable[[], None]] = []


def register(kind_class: type[Kind]) -> Kind:
    """Add a kind to the registry; a kind missing a required part raises TypeError here,
    at import of the module that registers it, never while scoring."""
    missing = [p for p in REQUIRED_PARTS if p != "spec" and p in getattr(kind_class, "__abstractmethods__", ())]
    spec = getattr(kind_class, "spec", None)
    if not (isinstance(spec, type) and issubclass(spec, Spec)):
        missing.insert(0, "spec")
    if missing:
        raise TypeError(f"scoring kind {kind_class.__name__} lacks {', '.join(missing)}; "
                        f"every kind defines {', '.join(REQUIRED_PARTS)} (parscore.kinds.base.Kind)")
    kind = kind_class()
    for name in kind.names:
        if name in KINDS and type(KINDS[name]) is not kind_class:
            raise TypeError(f"scoring kind '{name}' is registered twice ({type(KINDS[name]).__name__}, {kind_class.__name__})")
        KINDS[name] = kind
    _changed()
    return kind


def unregister(kind_class: type[Kind]) -> None:
    """Take a kind out of the registry (tests that register a kind of their own)."""
    for name in [n for n, k in KINDS.items() if type(k) is kind_class]:
        del KINDS[name]
    _changed()


def on_change(listener: Callable[[], None]) -> None:
    """Call `listener` whenever the registry changes (models rebuilds its `Score` union)."""
    _listeners.append(listener)


def _changed() -> None:
    for listener in _listeners:
        listener()


def for_score(score: Any) -> Kind:
    """The kind of a rule's `score:`."""
    return KINDS[score.kind]


def specs() -> tuple[type[Spec], ...]:
    """Every registered spec model, once each, in registration order."""
    return tuple(dict.fromkeys(type(k).spec for k in KINDS.values()))


def names() -> tuple[str, ...]:
    """Every YAML `kind:` value, in registration order."""
    return tuple(KINDS)


# ---------------------------------------------------------------- the registry: one line per kind
from .tiers import Tiers  # noqa: E402
from .boolean import Boolean  # noqa: E402
from .proportional import Proportional  # noqa: E402
from .per_occurrence import PerOccurrence  # noqa: E402
from .survey import Survey  # noqa: E402
from .compare import Compare  # noqa: E402

register(Tiers)
register(Boolean)
register(Proportional)
register(PerOccurrence)
register(Survey)
register(Compare)

__all__ = ["KINDS", "CheckContext", "Kind", "Outcome", "Pattern", "Spec", "Test", "for_score", "names",
           "on_change", "register", "specs", "unregister"]
