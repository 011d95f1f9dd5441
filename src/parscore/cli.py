"""The `parscore` command: a thin layer over the library API.

Exit codes: 0 success; 2 invalid input (every problem printed as
`file:line: field: message [code]` on stderr, never a traceback).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from .errors import InputError, Problem
from .loading import Facts, Methodology, facts_from_document, load_methodology, read_facts_document
from .yamlio import Document
from .reporting import render_criteria, render_explain, render_facts, render_scorecard
from .scorecard import score


def _methodology_ref(args: argparse.Namespace, doc: Document) -> str:
    """--methodology wins; else the facts file's own (a path there is relative to the file)."""
    if args.methodology:
        return args.methodology
    ref = doc.data.get("methodology")
    if not isinstance(ref, str) or not ref.strip():
        return "par-province-892"
    if ref.endswith((".yaml", ".yml")):
        return str(Path(doc.file).parent / ref)
    return ref


def _methodology_for(args: argparse.Namespace, facts_path: str) -> Methodology:
    doc = read_facts_document(facts_path)
    return load_methodology(_methodology_ref(args, doc), overlay=getattr(args, "overlay", None))


def _load(args: argparse.Namespace) -> tuple[Methodology, Facts]:
    doc = read_facts_document(args.facts)
    m = load_methodology(_methodology_ref(args, doc), overlay=getattr(args, "overlay", None))
    return m, facts_from_document(doc, m)


def cmd_score(args: argparse.Namespace) -> int:
    m, facts = _load(args)
    card = score(m, facts, args.lang)
    _emit(render_scorecard(card, args.format), args)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    m, facts = _load(args)
    if args.code not in m.leaves:
        from .loading import _hint
        raise InputError.one("CODE", None, args.code, f"'{args.code}' is not a sub-criterion of {m.id}{_hint(args.code, set(m.leaves))}", "PS090")
    card = score(m, facts, args.lang)
    _emit(render_explain(card, m, args.code, args.format), args)
    return 0


def cmd_criteria(args: argparse.Namespace) -> int:
    m = load_methodology(args.id or args.methodology or "par-province-892", overlay=args.overlay)
    _emit(render_criteria(m, args.lang, args.format), args)
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    m = load_methodology(args.id or args.methodology or "par-province-892", overlay=args.overlay)
    _emit(render_facts(m, args.lang, args.format), args)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    for path in args.paths:
        try:
            kind = _validate_one(path, args)
            print(f"{path}: OK ({kind})")
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return 0


def _validate_one(path: str, args: argparse.Namespace) -> str:
    from .yamlio import load_yaml

    p = Path(path)
    if p.is_dir():
        found = sorted(p.glob("*.yaml"))
        if not found:
            raise InputError.one(path, None, "", "directory holds no .yaml files", "PS001")
        errs: list[Problem] = []
        for f in found:
            try:
                _validate_one(str(f), args)
            except InputError as exc:
                errs.extend(exc.problems)
        if errs:
            raise InputError(errs)
        return "directory"
    doc = load_yaml(path)
    data = doc.data
    if isinstance(data, dict) and "fields" in data and "id" in data:
        load_methodology(path, overlay=args.overlay)
        return "methodology"
    if isinstance(data, dict) and ("agency" in data or "year" in data):
        m = _methodology_for(args, path)
        facts_from_document(doc, m)
        return f"facts for {m.id}"
    if isinstance(data, dict) and "rules" in data:
        owner = _owning_methodology(p)
        if owner is None:
            from pydantic import ValidationError
            from .models import RulesFile
            from .yamlio import pydantic_problems
            try:
                RulesFile.model_validate(data)
            except ValidationError as exc:
                raise InputError(pydantic_problems(doc, exc, code="PS044")) from None
            return "rules (shape only: no methodology found above it)"
        load_methodology(owner, overlay=args.overlay)
        return f"rules of {owner}"
    raise InputError.one(path, 1, "", "not a methodology (id, fields), rules (facts, derived, rules) or facts file (agency, year, facts)", "PS008")


def _owning_methodology(rules_file: Path) -> str | None:
    """The methodology whose `rules:` directory holds this file."""
    from .loading import HOME
    import yaml

    target = rules_file.resolve().parent
    for cand in sorted((HOME / "criteria").glob("*.yaml")) + sorted(rules_file.resolve().parents[1].glob("*.yaml")):
        try:
            data = yaml.safe_load(cand.read_text(encoding="utf-8"))
        except (yaml.YAMLError, OSError, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and isinstance(data.get("rules"), str):
            if (cand.parent / data["rules"]).resolve() == target:
                return str(cand)
    return None


def _emit(text: str, args: argparse.Namespace) -> None:
    out = getattr(args, "output", None)
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parscore", description="Score, explain and check the provincial PAR INDEX (Chỉ số CCHC).")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, formats: Sequence[str] = ("table", "json", "markdown")) -> None:
        p.add_argument("--methodology", "-m", help="methodology id (criteria/<id>.yaml) or path; default: the facts file's, else par-province-892")
        p.add_argument("--overlay", help="a partial methodology merged over the base (e.g. a province's official table)")
        p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of everything a person reads (default vi)")
        p.add_argument("--format", "-f", choices=formats, default="table")
        p.add_argument("--output", "-o", help="write to this file instead of stdout")

    p = sub.add_parser("score", help="score a facts file")
    p.add_argument("facts")
    common(p)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("explain", help="one sub-criterion's facts, thresholds, deductions and trace")
    p.add_argument("facts")
    p.add_argument("code")
    common(p)
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("criteria", help="the methodology tree with maxima and provenance")
    p.add_argument("id", nargs="?")
    common(p)
    p.set_defaults(func=cmd_criteria)

    p = sub.add_parser("facts", help="the fact catalogue")
    p.add_argument("id", nargs="?")
    common(p)
    p.set_defaults(func=cmd_facts)

    p = sub.add_parser("validate", help="check methodology, rule and facts files")
    p.add_argument("paths", nargs="+")
    common(p)
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as exc:
        for problem in exc.problems:
            print(f"parscore: {problem}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
