"""python -m kam explore / sql: the explore page's questions and the SQL console's sandbox from the
command line, the same code and the same rules as the pages."""
from __future__ import annotations

import datetime as dt
import sys

from kam.explore import question as q
from kam.explore.subjects import SUBJECTS
from kam.export import FORMATS, emit
from kam.filters import Filters
from kam.periods import PRESETS, Period, resolve
from kam.readside.database import Database
from kam.store.delta import Store


def _names(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def _filters(args) -> Filters:
    """--period (counted back from --as-of), else --start/--end (all dates when neither is given),
    and the customer lists."""
    lists = dict(regions=_names(args.region), managers=_names(args.manager), tiers=_names(args.tier))
    if args.period:
        return Filters(resolve(args.period, args.as_of or dt.date.today()), preset=args.period, **lists)
    start, end = args.start or dt.date(1900, 1, 1), args.end or dt.date(9999, 12, 31)
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    return Filters(Period(start, end), preset="custom", **lists)


def cmd_explore(store: Store, args) -> int:
    measures = tuple(q.Measure.parse(m) for m in _names(",".join(args.measure))) or (q.Measure("count"),)
    question = q.Question(args.subject, _names(args.by), measures, tuple(q.Condition.parse(c) for c in args.where),
                          sort=args.sort, top=args.top)
    if question.compares and not (args.period or (args.start and args.end)):
        raise ValueError("a change against the previous period needs a period: --period, or --start and --end")
    emit(question.answer(Database(store), _filters(args), args.as_of or dt.date.today()), args.format)
    return 0


def cmd_sql(store: Store, args) -> int:
    from kam.explore import sql_console  # its SQL parser loads slowly: only for this command, not every one

    # no sign-in on the command line: whoever runs it reads the data folder anyway
    answer = sql_console.run(store, args.query)
    emit(answer.frame, args.format)
    if answer.cut:
        print(f"only the first {sql_console.ROW_CAP:,} rows are shown", file=sys.stderr)
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("explore", help="ask a subject a question: group by fields, one or two measures",
                       description="The explore page's question: e.g. `explore sales --by region,quarter "
                                   "--measure sum:amount --where tier:in:important --period last_year`.")
    p.add_argument("subject", choices=list(SUBJECTS))
    p.add_argument("--by", default="", metavar="FIELD[,FIELD]", help="group by up to two fields")
    p.add_argument("--measure", action="append", default=[], metavar="MEASURE",
                   help=f"KIND[:NUMBER], KIND one of {', '.join(q.KINDS)} (default: count); up to two")
    p.add_argument("--where", action="append", default=[], metavar="FIELD:OP:VALUE[|VALUE]",
                   help="OP in (a field's values), min or max (a number's bounds)")
    p.add_argument("--period", choices=[x for x in PRESETS if x != "custom"], help="a preset period")
    p.add_argument("--start", type=dt.date.fromisoformat, help="first day (default: all dates)")
    p.add_argument("--end", type=dt.date.fromisoformat, help="last day, inclusive (default: all dates)")
    p.add_argument("--as-of", type=dt.date.fromisoformat, help="today, for presets and snapshots (default: today)")
    p.add_argument("--region", default="", help="regions, comma-separated")
    p.add_argument("--manager", default="", help="account managers, comma-separated")
    p.add_argument("--tier", default="", help="tiers, comma-separated")
    p.add_argument("--sort", choices=q.SORTS, default="desc")
    p.add_argument("--top", type=int, help="keep the first N groups")
    p.add_argument("--format", choices=FORMATS, default="csv")
    p.set_defaults(run=cmd_explore)

    p = sub.add_parser("sql", help="one read-only SELECT over the product's tables, in the console's sandbox")
    p.add_argument("query")
    p.add_argument("--format", choices=FORMATS, default="csv")
    p.set_defaults(run=cmd_sql)
