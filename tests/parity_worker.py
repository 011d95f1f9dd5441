"""Scores fact sets on durable_rules and on the reference matcher, in a process of its own.

Reads a JSON list of fact sets from stdin, each `{name: [type, text]}`, and prints one
JSON line per set: `{"i": n, "same": bool, "durable": ..., "python": ...}` (the two
cards only when they differ). A signal or a traceback in here fails the parity test.
"""
from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal

from parscore import load_methodology, score, to_json
from parscore.loading import Facts
from parscore.models import Agency


def typed(kind: str, text: str):
    if kind == "boolean":
        return text == "true"
    if kind == "date":
        return date.fromisoformat(text)
    if kind == "count":
        return int(text)
    return Decimal(text)


def main() -> None:
    m = load_methodology(sys.argv[1] if len(sys.argv) > 1 else "par-province-892")
    for i, raw in enumerate(json.load(sys.stdin)):
        facts = Facts("parity.yaml", Agency(code="t", name="T"), 2025, m.id,
                      {n: typed(k, t) for n, (k, t) in raw.items()})
        a = to_json(score(m, facts, "vi", "durable"))
        b = to_json(score(m, facts, "vi", "python"))
        out = {"i": i, "same": a == b}
        if a != b:
            out.update(durable=a, python=b)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
