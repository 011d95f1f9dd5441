"""Scores fact sets on every engine (durable_rules, the reference matcher, the fast path), in a process of its own.

Reads a JSON list of fact sets from stdin, each `{name: [type, text]}`, and prints one
JSON line per set: `{"i": n, "same": bool, "differ": [engines], "cards": {...}}` (the cards
only when they differ). Each engine's card is compared as the model's JSON
(`to_json(score(...))`) and, for the fast path, also as the plain card's JSON
(`card_json(score_data(...))`), which must be the same bytes. A signal or a traceback in
here fails the parity test.

`PARSCORE_PARITY_BREAK=ENGINE:points` or `ENGINE:text` breaks one engine on purpose (one
item's points +0.01, or one derived value's text changed), to show the test catches it.
"""
from __future__ import annotations

import json
import os
import sys
from datetime import date
from decimal import Decimal

from parscore import load_methodology, score, to_json
from parscore.cards import card_json
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


def break_engine(m, spec: str) -> None:
    """Change one outcome of one engine (tests only): the parity check must notice."""
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


def main() -> None:
    m = load_methodology(sys.argv[1] if len(sys.argv) > 1 else "par-province-892")
    if os.environ.get("PARSCORE_PARITY_BREAK"):
        break_engine(m, os.environ["PARSCORE_PARITY_BREAK"])
    for i, raw in enumerate(json.load(sys.stdin)):
        facts = Facts("parity.yaml", Agency(code="t", name="T"), 2025, m.id,
                      {n: typed(k, t) for n, (k, t) in raw.items()})
        cards = {e: to_json(score(m, facts, "vi", e)) for e in ENGINES}
        cards["fast-plain"] = card_json(score_data(m, facts, "vi", "fast"))
        differ = sorted(e for e, c in cards.items() if c != cards["durable"])
        out: dict = {"i": i, "same": not differ, "differ": differ}
        if differ:
            out["cards"] = cards
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
