"""The `parscore` command: a thin layer over the library API.

Exit codes: 0 success; 1 audit findings at the --fail-on severity; 2 invalid input (every problem printed as
`file:line: field: message [code]` on stderr, never a traceback).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import datetime as dt
from decimal import Decimal, InvalidOperation

from tabulate import tabulate

from .appraisal import appraise, load_appraisal, self_assessment
from .audit import audit
from .diff import diff as diff_cards
from .excel import import_xlsx, write_scorecard, write_template
from .html_report import render_html
from .history import DEFAULT_STORE, HistoryStore, entries_json, inputs_hash, store_path
from .errors import InputError, Problem
from .loading import (
    FactValue, Facts, Methodology, facts_from_document, load_methodology, parse_fact_value, read_facts_document,
)
from .models import RankInfo, Scorecard, UnitRow
from .yamlio import read_text
from .peers import PeerTable, load_peers, project_rank
from .planner import Planner
from .reporting import (
    render_appraised, render_audit, render_criteria, render_diff, render_explain, render_extras, render_facts, render_plan, render_plan_status, render_scorecard,
    render_simulation,
)
from .scorecard import score
from .simulation import load_scenario, simulate
from .tracking import load_plan, plan_status
from .units import LeadUnits, load_lead_units, totals_by_unit
from .yamlio import Document


def _methodology_ref(args: argparse.Namespace, doc: Document) -> str:
    """--methodology wins; else the facts file's own (a path there is relative to the file)."""
    if args.methodology:
        return args.methodology
    ref = doc.data.get("methodology")
    if ref is None:
        return "par-province-892"
    if not isinstance(ref, str) or not ref.strip():
        raise InputError.one(doc.file, doc.line(("methodology",)), "methodology",
                             "expected a methodology id such as par-province-892, or a path to a .yaml file", "PS071")
    if ref.endswith((".yaml", ".yml")):
        return str(Path(doc.file).parent / ref)
    return ref


def _methodology_for(args: argparse.Namespace, facts_path: str) -> Methodology:
    doc = read_facts_document(facts_path)
    return load_methodology(_methodology_ref(args, doc), overlay=getattr(args, "overlay", None))


def _load(args: argparse.Namespace) -> tuple[Methodology, Facts]:
    if str(args.facts).lower().endswith(".xlsx"):
        m = load_methodology(args.methodology or "par-province-892", overlay=getattr(args, "overlay", None))
        return m, import_xlsx(args.facts, m)[0]
    doc = read_facts_document(args.facts)
    m = load_methodology(_methodology_ref(args, doc), overlay=getattr(args, "overlay", None))
    return m, facts_from_document(doc, m)


def _units(args: argparse.Namespace, m: Methodology, facts: Facts) -> LeadUnits | None:
    path = getattr(args, "units", None) or facts.lead_units
    return load_lead_units(path, m) if path else None


def _peers(args: argparse.Namespace) -> PeerTable | None:
    return load_peers(args.peers) if getattr(args, "peers", None) else None


def cmd_score(args: argparse.Namespace) -> int:
    if getattr(args, "batch", False):
        return cmd_rank(args)
    m, facts = _load(args)
    units, peers = _units(args, m, facts), _peers(args)
    card = score(m, facts, args.lang)
    extra: dict[str, object] = {}
    if peers is not None:
        r = project_rank(card.index, peers, facts.agency.code)
        extra["rank"] = RankInfo(rank=r.rank, of=r.of, previous_rank=r.previous_rank, change=r.change, peers=r.peers_file)
    if units is not None:
        extra["by_unit"] = [UnitRow(unit=u.name, items=u.items, points=u.points, max=u.max, lost=u.lost)
                            for u in totals_by_unit(card, units)]
    card = card.model_copy(update=extra)
    _require_output(args)
    if args.format == "xlsx":
        write_scorecard(card, m, args.output, facts)
        return 0
    if args.format == "html":
        plan = Planner(m, facts, args.lang, units).plan() if facts.values else None
        text = render_html(card, plan, m)
    else:
        text = render_scorecard(card, args.format)
        if args.format != "json":
            text += render_extras(card, args.format)
            if card.unit is not None:
                from .unit_report import render_unit_info
                text += render_unit_info(card, args.format)
    _emit(text, args)
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    """Every unit in a folder (or a workbook with one sheet per unit), scored and ranked."""
    from .ranking import rank_path
    from .ranking_render import render_ranking, render_ranking_html, write_new, write_ranking_xlsx

    if not args.methodology:
        raise InputError.one("--methodology", None, "methodology", "name the units' methodology, e.g. -m par-department-ca-mau", "PS410")
    m = load_methodology(args.methodology, overlay=args.overlay)
    ranking = rank_path(args.facts, m, args.lang)
    fmt = args.format
    if fmt in ("xlsx", "html"):
        _require_output(args)
    if args.output and Path(args.output).exists():
        raise InputError.one(args.output, None, "output", "exists already; parscore does not overwrite it: remove it or choose another name", "PS414")
    if fmt == "xlsx":
        tmp = Path(args.output).with_name(f".{Path(args.output).stem}.part.xlsx")
        write_ranking_xlsx(ranking, tmp, args.decision)
        try:
            write_new(args.output, tmp.read_bytes())
        finally:
            tmp.unlink()
    elif args.output:
        write_new(args.output, render_ranking_html(ranking, args.decision) if fmt == "html" else render_ranking(ranking, fmt))
    else:
        sys.stdout.write(render_ranking(ranking, fmt))
    if args.output:
        print(f"parscore: wrote {args.output} ({len(ranking.units)} units)", file=sys.stderr)
    if ranking.skipped:
        print(f"parscore: skipped {len(ranking.skipped)} file(s) for another level or methodology: {', '.join(ranking.skipped)}", file=sys.stderr)
    return 0


def _require_output(args: argparse.Namespace) -> None:
    """Workbooks and HTML pages go to a file, never to the terminal."""
    if args.format in ("xlsx", "html") and not args.output:
        raise InputError.one("--output", None, "output", f"--format {args.format} needs -o FILE", "PS190")


def cmd_template(args: argparse.Namespace) -> int:
    m = load_methodology(args.id or args.methodology or "par-province-892", overlay=args.overlay)
    if args.units and _is_roster(args.units):
        return _unit_templates(args, m)
    units = load_lead_units(args.units, m) if args.units else None
    write_template(m, args.output, args.lang, units)
    return 0


def _is_roster(path: str) -> bool:
    from .yamlio import load_yaml

    data = load_yaml(path).data
    return isinstance(data, dict) and "roster" in data


def _unit_templates(args: argparse.Namespace, m: Methodology) -> int:
    """A unit roster: one workbook per unit in a folder, or one workbook with a sheet per unit (-o X.xlsx)."""
    from .unit_workbook import load_roster, write_unit_templates, write_units_workbook

    roster = load_roster(args.units, m)
    out = args.output
    if str(out).lower().endswith(".xlsx"):
        write_units_workbook(m, roster, out, args.lang)
        print(f"parscore: wrote {out} ({len(roster.units)} sheets, one per unit)", file=sys.stderr)
        return 0
    written, skipped = write_unit_templates(m, roster, out, args.lang)
    for w in written:
        print(f"parscore: wrote {w}", file=sys.stderr)
    for s_ in skipped:
        print(f"parscore: kept {s_} (exists already; not overwritten)", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    import yaml

    m = load_methodology(args.methodology or "par-province-892", overlay=args.overlay)
    _, doc = import_xlsx(args.xlsx, m)
    _emit(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), args)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    m, facts = _load(args)
    changes: dict[str, FactValue | None] = {}
    name, note = None, None
    if args.scenario:
        name, note, changes = load_scenario(args.scenario, m)
    for item in args.set or []:
        if "=" not in item:
            raise InputError.one("--set", None, item, "expected FACT=VALUE, e.g. --set par_inspection_units_inspected=25", "PS131")
        k, v = item.split("=", 1)
        changes[k.strip()] = parse_fact_value(k.strip(), v, m)
    if not changes:
        raise InputError.one("simulate", None, "", "nothing to change: give --set FACT=VALUE or --scenario FILE", "PS131")
    sim = simulate(m, facts, changes, args.lang, _peers(args), name, note, _units(args, m, facts))
    _emit(render_simulation(sim, args.format), args)
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    m, facts = _load(args)
    units, peers = _units(args, m, facts), _peers(args)
    target = None
    if args.target is not None:
        target = _index_arg(args.target)
    p = Planner(m, facts, args.lang, units).plan(target)
    rank = rank_after = None
    if peers is not None:
        rank = project_rank(p.before.index, peers, facts.agency.code)
        if p.after is not None:
            rank_after = project_rank(p.after.index, peers, facts.agency.code)
    by_unit = totals_by_unit(p.before, units) if units is not None else None
    text = render_plan(p, m, args.lang, args.format, args.unit, rank=rank, rank_after=rank_after, by_unit=by_unit)
    if args.units_dir:
        text = _with_unit_contributions(text, p, m, args)
    _emit(text, args)
    return 0


def _with_unit_contributions(text: str, p: Planner | object, m: Methodology, args: argparse.Namespace) -> str:
    """Append (or, for JSON, add as `units`) the units whose results feed each provincial item."""
    import json

    from .feeds import contributions, load_unit_cards, render_contributions, render_contributions_json

    cards, skipped = load_unit_cards(args.units_dir, m.id, args.lang)
    before, after = p.before, p.after  # type: ignore[attr-defined]
    improved = set()
    if after is not None:
        improved = {it.code for it in after.items if it.points > before.item(it.code).points}
    rows = contributions(before, cards, improved)
    if args.format == "json":
        data = json.loads(text)
        data["units"] = render_contributions_json(rows)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return text + render_contributions(rows, args.lang, args.format, skipped)


def _index_arg(raw: str) -> Decimal:
    try:
        d = Decimal(raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw)
    except InvalidOperation:
        raise InputError.one("--target", None, "target", f"expected an index such as 92 or 92.5, got {raw!r}", "PS132") from None
    if not d.is_finite() or not Decimal(0) <= d <= Decimal(100):
        raise InputError.one("--target", None, "target", f"an index lies within 0–100, got {raw}", "PS132")
    return d


def cmd_audit(args: argparse.Namespace) -> int:
    doc = read_facts_document(args.facts)
    m = load_methodology(_methodology_ref(args, doc), overlay=args.overlay)
    report = audit(m, facts_from_document(doc, m, strict=False), args.lang)
    _emit(render_audit(report, args.format), args)
    if args.fail_on != "never" and report.at_least(args.fail_on):
        return 1
    return 0


def cmd_appraise(args: argparse.Namespace) -> int:
    m, facts = _load(args)
    card = appraise(m, facts, load_appraisal(args.appraisal, m, facts), args.lang)
    _require_output(args)
    if args.format == "xlsx":
        write_scorecard(card, m, args.output, facts)
    else:
        _emit(render_html(card, None, m) if args.format == "html" else render_appraised(card, args.format), args)
    return 1 if card.appraisal_errors else 0


def _cards_for_history(args: argparse.Namespace) -> list[tuple[Scorecard, str]]:
    """Every stage a facts file (and its appraisal) holds: self, computed, each round."""
    m, facts = _load(args)
    base = inputs_hash(args.facts, args.appraisal, extra=m.digest)
    cards = [(score(m, facts, args.lang), base)]
    if facts.claimed:
        cards.insert(0, (self_assessment(m, facts, args.lang), base))
    if args.appraisal:
        a = load_appraisal(args.appraisal, m, facts)
        for k in range(1, len(a.rounds) + 1):
            partial = a.model_copy(update={"rounds": a.rounds[:k]})
            card = appraise(m, facts, partial, args.lang)
            cards.append((card.model_copy(update={"stage": f"round-{a.rounds[k - 1].round}"}), base))
    return cards


def cmd_history(args: argparse.Namespace) -> int:
    with HistoryStore(store_path(args.store)) as store:
        if args.action == "add":
            if not args.target:
                raise InputError.one("history add", None, "FACTS", "give the facts file to store", "PS166")
            args.facts = args.target
            ids = [store.add(card, h, args.note) for card, h in _cards_for_history(args)]
            print(" ".join(str(i) for i in ids))
        elif args.action == "list":
            rows = [[e.id, e.agency, e.year, e.stage, f"{e.methodology} {e.version}", e.total, e.index, e.group, e.created_at]
                    for e in store.entries(args.target)]
            if args.format == "json":
                sys.stdout.write(entries_json(store.entries(args.target)))
            else:
                sys.stdout.write(tabulate(rows, headers=["id", "agency", "year", "stage", "methodology", "total", "index", "group", "stored"],
                                          tablefmt="github" if args.format == "markdown" else "simple") + "\n")
        elif args.action == "show":
            card = store.card(_entry_id(args.target))
            _emit(render_appraised(card, args.format) if card.stage != "computed" else render_scorecard(card, args.format), args)
        else:  # trend
            entries = store.entries(args.target)
            latest: dict[tuple[int, str], str] = {}
            for e in entries:
                latest[(e.year, e.stage)] = e.index
            years = sorted({y for y, _ in latest})
            stages = [s for s in ("self", "computed", "round-1", "round-2", "round-3", "appraised") if any(k[1] == s for k in latest)]
            rows = [[y] + [latest.get((y, s), "") for s in stages] for y in years]
            sys.stdout.write(tabulate(rows, headers=["year"] + stages, tablefmt="github" if args.format == "markdown" else "simple",
                                      disable_numparse=True) + "\n")
    return 0


def _entry_id(raw: str | None) -> int:
    try:
        return int(str(raw).removeprefix("history:"))
    except ValueError:
        raise InputError.one("history", None, "id", f"expected an entry id such as 3, got {raw!r}", "PS165") from None


def _card_from(ref: str, args: argparse.Namespace) -> Scorecard:
    """A scorecard from a JSON file, a history entry (history:ID) or a facts file (scored)."""
    if ref.startswith("history:"):
        with HistoryStore(store_path(args.store)) as store:
            return store.card(_entry_id(ref))
    if ref.endswith(".json"):
        from pydantic import ValidationError

        text = read_text(ref)
        try:
            return Scorecard.model_validate_json(text)
        except ValidationError as exc:
            raise InputError.one(ref, None, "", f"not a parscore scorecard JSON ({exc.error_count()} problems, first: "
                                 f"{exc.errors()[0]['msg']} at {'.'.join(map(str, exc.errors()[0]['loc']))})", "PS170") from None
    args.facts = ref
    m, facts = _load(args)
    return score(m, facts, args.lang)


def cmd_diff(args: argparse.Namespace) -> int:
    a, b = _card_from(args.a, args), _card_from(args.b, args)
    _emit(render_diff(diff_cards(a, b, args.a, args.b), args.lang, args.format), args)
    return 0


def cmd_plan_status(args: argparse.Namespace) -> int:
    m, facts = _load(args)
    plan = load_plan(args.plan, m)
    try:
        on = dt.date.fromisoformat(args.on) if args.on else dt.date.today()
    except ValueError:
        raise InputError.one("--on", None, "on", f"expected a real date YYYY-MM-DD, got {args.on!r}", "PS133") from None
    _emit(render_plan_status(plan_status(m, facts, plan, on, args.lang), args.lang, args.format), args)
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

    def planning(p: argparse.ArgumentParser) -> None:
        p.add_argument("--peers", help="a peer table (CSV or YAML) of other provinces' indices, for the projected rank")
        p.add_argument("--units", help="a lead-unit assignment file (default: the facts file's lead_units)")

    p = sub.add_parser("score", help="score a facts file (.yaml, or a filled .xlsx template)")
    p.add_argument("facts")
    common(p, formats=("table", "json", "markdown", "xlsx", "html"))
    planning(p)
    p.add_argument("--batch", action="store_true", help="FACTS is a folder of units' facts files or a workbook with one sheet per unit: "
                   "score them all and print the ranking (as `parscore rank`)")
    p.add_argument("--decision", help="rank/batch HTML: the decision the ranking is published with, e.g. '125/QĐ-UBND ngày 20/01/2026'")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("rank", help="score many units (a folder of facts files, or a workbook with one sheet per unit) and rank them")
    p.add_argument("facts", metavar="DIR|WORKBOOK")
    common(p, formats=("table", "json", "markdown", "xlsx", "html"))
    p.add_argument("--decision", help="HTML/xlsx: the decision the ranking is published with, e.g. '125/QĐ-UBND ngày 20/01/2026'")
    p.set_defaults(func=cmd_rank)

    p = sub.add_parser("simulate", help="what if some facts changed")
    p.add_argument("facts")
    p.add_argument("--set", action="append", metavar="FACT=VALUE", help="a fact change; repeatable")
    p.add_argument("--scenario", help="a scenario file: name, note, set: {fact: value}")
    common(p)
    planning(p)
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("plan", help="improvements ranked by points gained; with --target the smallest set reaching it")
    p.add_argument("facts")
    p.add_argument("--target", help="target index, e.g. 92")
    p.add_argument("--unit", help="show only improvements led by this unit (name contains)")
    p.add_argument("--units-dir", help="a folder of departments' and communes' facts files: list, per provincial item, "
                   "the units whose results feed it and their shortfall")
    common(p)
    planning(p)
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("audit", help="check a self-assessment: claims, evidence, survey items, totals, contradictions")
    p.add_argument("facts")
    p.add_argument("--fail-on", choices=("error", "warning", "info", "never"), default="error",
                   help="exit 1 when findings of this severity or worse exist (default error)")
    common(p, formats=("table", "json", "markdown", "junit"))
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("template", help="an Excel facts template generated from the fact catalogue")
    p.add_argument("id", nargs="?")
    common(p)
    p.add_argument("--units", help="a lead-unit assignment file, to fill the lead-unit column; or a unit roster "
                   "(roster, year, level, units): one workbook per unit in the folder -o, or one sheet per unit when -o ends in .xlsx")
    p.set_defaults(func=cmd_template, output="facts.xlsx")

    p = sub.add_parser("import", help="a filled Excel template → a YAML facts file")
    p.add_argument("xlsx")
    common(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("appraise", help="apply appraisal rounds to a self-assessment: final scores and history")
    p.add_argument("facts")
    p.add_argument("appraisal")
    common(p, formats=("table", "json", "markdown", "xlsx", "html"))
    p.set_defaults(func=cmd_appraise)

    p = sub.add_parser("history", help="the assessment history store: add | list | show | trend")
    p.add_argument("action", choices=("add", "list", "show", "trend"))
    p.add_argument("target", nargs="?", help="add: FACTS; list/trend: AGENCY code; show: ID")
    p.add_argument("--appraisal", help="add: also store each appraisal round of this file")
    p.add_argument("--store", help=f"the SQLite store (default $PARSCORE_HISTORY or ./{DEFAULT_STORE})")
    p.add_argument("--note", help="add: a note kept with the entries")
    common(p)
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("diff", help="compare two scorecards: JSON files, history:ID, or facts files")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--store", help="the history store for history:ID references")
    common(p)
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("plan-status", help="a plan's tasks: met, not met or unknown; overdue; points at stake")
    p.add_argument("facts")
    p.add_argument("plan")
    p.add_argument("--on", help="the date to judge deadlines on (YYYY-MM-DD; default today)")
    common(p)
    p.set_defaults(func=cmd_plan_status)

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
    except OSError as exc:  # a path the system refuses (too long, no permission, a device...)
        name = str(exc.filename or "")[:200]
        print(f"parscore: {name}: cannot be read or written: {exc.strerror or exc} [PS001]", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
