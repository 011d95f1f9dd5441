"""Print the served OpenAPI schema (committed as docs/openapi.json; a test compares them)."""
from __future__ import annotations

import json
import sys
import warnings


def main() -> int:
    from .app import app

    sys.stdout.write(json.dumps(app.openapi(), ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raise SystemExit(main())
