"""Scores fact sets on every engine (durable_rules, the reference matcher, the fast path), in a process of its own.

One long-lived process serves every parity test (tests/test_engine_parity.py starts it once
per session): it reads one JSON request per line on stdin, `{"break": null | "ENGINE:HOW",
"sets": [{name: [type, text]}, ...]}`, and prints one JSON line per fact set,
`{"i": n, "same": bool, "differ": [engines], "cards": {...}}` (the cards only when they
differ), then `{"done": count}`. A signal or a traceback in here fails the parity test
that sent the request (the next request gets a new process).

Each engine's card is the model's JSON (`to_json(score(...))`) and, for the fast path,
also the plain card's JSON (`card_json(score_data(...))`), which must be the same bytes.
The cards are compared as the same JSON without indentation, written by the json module's
C encoder: `to_json`'s `indent=2` text is a function of the same tokens, so two cards
give equal indented bytes exactly when they give equal compact bytes, and the pure-Python
indenting encoder took three quarters of the time. The first set of every request is also
compared on the full `to_json` / `card_json` bytes, and a disagreement between the two
verdicts is reported (`"full_disagrees"`), so this shortcut cannot drift from the contract.

`"break": "ENGINE:points"` or `"ENGINE:text"` breaks one engine for that request only (one
item's points +0.01, or one derived value's text changed), to show the test catches it.
"""
from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from typing import Any

from parscore import load_methodology, score, to_json
from parscore.cards import card_json
from parscore.jsontext import plain as _json_default
from parscore.loading import Facts
from parscore.models import Agency
from parscore.scorecard import score_data

ENGINES = ("durable", "reference", "fast")


def typed(kind: str, text: str):
    if kind == "boolean":
        return text == "true"
    if kind == "date":
        return date.fromisoformat(text)
    if kind == "count":
        return int(text)
    return Decimal(text)


def break_engine(m, spec: str):
    """Change one outcome of one engine (tests only): the parity check must notice.
    Returns the function that undoes it."""
    from parscore.evaluation import engine_for
    engine, how = spec.split(":")
    backend = engine_for(m, engine).backend
    original = backend.run

    def run(session, *a):
        original(session, *a)
        if how == "points":
            for code, v in session.verdicts.items():
                if v.kind == "score" and v.points < m.leaves[code].max:
                    session.verdicts[code] = v._replace(points=v.points + Decimal("0.01"))
                    break
        else:
            for name in m.derived:
                if session.values.get(name) not in (None, "0"):
                    session.values[name] = str(Decimal(session.values[name]) + Decimal("0.0001"))
                    break
    backend.run = run

    def undo() -> None:
        backend.run = original
    return undo


def _compact(data: Any) -> str:
    """The contract's JSON without indentation (C encoder): equal exactly when the indented bytes are."""
    return json.dumps(data, ensure_ascii=False, default=_json_default, separators=(", ", ": "))


def _verdict(cards: dict[str, str]) -> list[str]:
    return sorted(e for e, c in cards.items() if c != cards["durable"])


def compare(m, i: int, raw: dict[str, list[str]], full: bool) -> dict[str, Any]:
    facts = Facts("parity.yaml", Agency(code="t", name="T"), 2025, m.id,
                  {n: typed(k, t) for n, (k, t) in raw.items()})
    models = {e: score(m, facts, "vi", e) for e in ENGINES}
    plain = score_data(m, facts, "vi", "fast")
    cards = {e: _compact(c.model_dump(mode="json")) for e, c in models.items()}
    cards["fast-plain"] = _compact(plain)
    differ = _verdict(cards)
    out: dict[str, Any] = {"i": i, "same": not differ, "differ": differ}
    if differ or full:
        whole = {e: to_json(c) for e, c in models.items()}
        whole["fast-plain"] = card_json(plain)
        if _verdict(whole) != differ:
            out["full_disagrees"] = _verdict(whole)
        if differ:
            out["cards"] = whole
    return out


def main() -> None:
    m = load_methodology(sys.argv[1] if len(sys.argv) > 1 else "par-province-892")
    for line in sys.stdin:
        request = json.loads(line)
        undo = break_engine(m, request["break"]) if request.get("break") else None
        try:
            for i, raw in enumerate(request["sets"]):
                print(json.dumps(compare(m, i, raw, full=i == 0)), flush=True)
        finally:
            if undo is not None:
                undo()
        print(json.dumps({"done": len(request["sets"])}), flush=True)


if __name__ == "__main__":
    main()
