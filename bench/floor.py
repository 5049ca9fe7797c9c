"""The floor: each page's questions as hand-written DuckDB SQL straight on the tables' Parquet files.

One statement per question, as an analyst would write it, fetched as Arrow. The rules
are the product's (README, kam/sales/abc.py, kam/revisits/coverage.py, kam/risk/health.py) with the demo's
settings, i.e. the defaults: cuts 80/95, revisit intervals A 30 / B 90 / C 180 days and
potential accounts 60, health weights 40/25/20/15. `Ask` carries one view's filter.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from kam.store.schema import TABLES
from kam.store.delta import Store


def connect(store: Store) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in TABLES:
        files = store.files(name)
        if files:
            listing = ", ".join(f"'{f}'" for f in files)
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{listing}], union_by_name = true)")
    return con


@dataclass(frozen=True)
class Ask:
    start: dt.date
    end: dt.date
    prev_start: dt.date
    prev_end: dt.date
    prev2_start: dt.date  # the period before the previous one (the at-risk count of the previous period)
    prev2_end: dt.date
    today: dt.date
    regions: tuple[str, ...] = ()

    @property
    def as_of(self) -> dt.date:
        return min(self.end, self.today)

    @property
    def prev_as_of(self) -> dt.date:
        return min(self.prev_end, self.today)

    def only(self, column: str = "customer_id") -> str:
        """The customer filter as a condition on a customer_id column."""
        if not self.regions:
            return "TRUE"
        names = ", ".join("'" + r.replace("'", "''") + "'" for r in self.regions)
        return f"{column} IN (SELECT customer_id FROM customers WHERE region IN ({names}))"


def ask(filters, today: dt.date) -> Ask:
    """The floor's view of a kam.filters.Filters."""
    p, q, r = filters.period, filters.previous().period, filters.previous().previous().period
    return Ask(p.start, p.end, q.start, q.end, r.start, r.end, today, tuple(filters.regions))


def d(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def run(con, sql: str):
    return con.sql(sql).to_arrow_table()


# ---- reusable pieces ----------------------------------------------------------------
def abc_sql(start: dt.date, end: dt.date, only: str) -> str:
    """customer_id, value, rank, share, cumulative_share, abc_class: the ABC rule in SQL."""
    return f"""
        SELECT customer_id, value, rank, share, cumulative_share,
               CASE WHEN value <= 0 THEN 'C' WHEN round(cumulative_share - share, 9) < 0.8 THEN 'A'
                    WHEN round(cumulative_share - share, 9) < 0.95 THEN 'B' ELSE 'C' END AS abc_class
        FROM (SELECT customer_id, value,
                     row_number() OVER (ORDER BY value DESC, customer_id) AS rank,
                     COALESCE(GREATEST(value, 0) / NULLIF(SUM(GREATEST(value, 0)) OVER (), 0), 0) AS share,
                     round(COALESCE(SUM(GREATEST(value, 0)) OVER (ORDER BY value DESC, customer_id
                                                                  ROWS UNBOUNDED PRECEDING)
                                    / NULLIF(SUM(GREATEST(value, 0)) OVER (), 0), 0), 9) AS cumulative_share
              FROM (SELECT customer_id, SUM(amount) AS value FROM sales
                    WHERE date BETWEEN {d(start)} AND {d(end)} AND {only} GROUP BY 1))"""


def accounts_sql(a: Ask, day: dt.date) -> str:
    """The accounts counted for revisits on a day, with class, interval and whether covered."""
    return f"""
        SELECT c.customer_id, c.name AS customer_name, c.tier, c.region, c.account_manager, c.created,
               v.last_visit, p.next_plan, k.abc_class, COALESCE(k.value, 0) AS revenue_12m,
               COALESCE(LEAST(CASE k.abc_class WHEN 'A' THEN 30 WHEN 'B' THEN 90 WHEN 'C' THEN 180 END,
                              CASE c.tier WHEN 'potential' THEN 60 END), 180) AS interval_days,
               date_diff('day', COALESCE(v.last_visit, c.created), {d(day)}) AS days_since,
               COALESCE(date_diff('day', COALESCE(v.last_visit, c.created), {d(day)})
                        <= COALESCE(LEAST(CASE k.abc_class WHEN 'A' THEN 30 WHEN 'B' THEN 90 WHEN 'C' THEN 180 END,
                                          CASE c.tier WHEN 'potential' THEN 60 END), 180), false) AS covered
        FROM customers c
        LEFT JOIN (SELECT customer_id, MAX(date) AS last_visit FROM visits WHERE date <= {d(day)} GROUP BY 1) v
               USING (customer_id)
        LEFT JOIN (SELECT customer_id, MIN(planned_date) AS next_plan FROM revisit_plans
                   WHERE status = 'planned' AND planned_date >= {d(day)} GROUP BY 1) p USING (customer_id)
        LEFT JOIN ({abc_sql(_year_before(day) + dt.timedelta(days=1), day, 'TRUE')}) k USING (customer_id)
        WHERE c.status = 'active' AND (c.created IS NULL OR c.created <= {d(day)}) AND {a.only('c.customer_id')}"""


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


OPEN_ON = """(k.received <= {day} AND CASE WHEN k.resolved_date IS NULL
              THEN k.status IN ('open', 'in_progress') ELSE k.resolved_date > {day} END)"""


def health_sql(a: Ask, now: tuple, before: tuple, day: dt.date) -> str:
    """Each scored account with its parts, score and status (kam.health's default scoring)."""
    (s1, e1), (s0, e0) = now, before
    return f"""
        WITH acc AS ({accounts_sql(a, day)}),
        s AS (SELECT customer_id,
                     COALESCE(SUM(amount) FILTER (WHERE date BETWEEN {d(s1)} AND {d(e1)}), 0) AS sales_now,
                     COALESCE(SUM(amount) FILTER (WHERE date BETWEEN {d(s0)} AND {d(e0)}), 0) AS sales_before
              FROM sales WHERE date BETWEEN {d(s0)} AND {d(e1)} GROUP BY 1),
        k AS (SELECT customer_id, COUNT(*) AS open_complaints FROM complaints k
              WHERE {OPEN_ON.format(day=d(day))} GROUP BY 1),
        o AS (SELECT customer_id, SUM(unpaid) AS overdue_amount, MAX(date_diff('day', due_date, {d(day)})) AS overdue_days
              FROM (SELECT customer_id, due_date,
                           amount - CASE WHEN paid_date IS NOT NULL AND paid_date <= {d(day)}
                                         THEN COALESCE(paid_amount, amount) ELSE 0 END AS unpaid
                    FROM payments WHERE due_date < {d(day)} AND invoice_date <= {d(day)})
              WHERE unpaid > 0.005 GROUP BY 1),
        f AS (SELECT acc.*, s.sales_now, s.sales_before, COALESCE(k.open_complaints, 0) AS open_complaints,
                     COALESCE(o.overdue_amount, 0) AS overdue_amount, COALESCE(o.overdue_days, 0) AS overdue_days,
                     (s.sales_now / CASE WHEN s.sales_before > 0 THEN s.sales_before END - 1) * 100 AS sales_change,
                     days_since / interval_days AS visit_multiple
              FROM acc JOIN s USING (customer_id) LEFT JOIN k USING (customer_id) LEFT JOIN o USING (customer_id)
              WHERE s.sales_now <> 0 OR s.sales_before <> 0),
        p AS (SELECT *,
                     CASE WHEN sales_change IS NULL THEN (CASE WHEN sales_now > 0 THEN 100 ELSE 0 END)
                          WHEN sales_change >= -10 THEN 100 WHEN sales_change >= -30 THEN 50 ELSE 0 END AS points_sales,
                     CASE WHEN visit_multiple <= 1 THEN 100 WHEN visit_multiple <= 2 THEN 50 ELSE 0 END AS points_visits,
                     CASE WHEN open_complaints <= 0 THEN 100 WHEN open_complaints <= 1 THEN 50 ELSE 0 END
                         AS points_complaints,
                     CASE WHEN overdue_days <= 0 THEN 100 WHEN overdue_days <= 30 THEN 50 ELSE 0 END
                         AS points_receivables
              FROM f)
        SELECT *, (points_sales * 40 + points_visits * 25 + points_complaints * 20 + points_receivables * 15) / 100.0
                  AS score
        FROM p"""


def options(con) -> list:
    return [run(con, "SELECT DISTINCT region, account_manager, tier FROM customers"),
            run(con, "SELECT MIN(date), MAX(date) FROM sales")]


def totals(con, a: Ask, start, end):
    return run(con, f"""SELECT SUM(amount) AS revenue, SUM(COALESCE(profit, amount - cost)) AS profit,
                               COUNT(DISTINCT customer_id) AS active_customers
                        FROM sales WHERE date BETWEEN {d(start)} AND {d(end)} AND {a.only()}""")


def a_accounts(con, a: Ask, start, end):
    return run(con, f"""SELECT COUNT(*) FILTER (WHERE abc_class = 'A') AS a_accounts,
                               SUM(share) FILTER (WHERE abc_class = 'A') AS a_share
                        FROM ({abc_sql(start, end, a.only())})""")


def coverage(con, a: Ask, day):
    return run(con, f"SELECT AVG(covered::INT) AS coverage FROM ({accounts_sql(a, day)})")


def churn_totals(con, a: Ask, start, end):
    return run(con, f"""SELECT COUNT(DISTINCT customer_id) AS customers, COALESCE(SUM(lost_revenue), 0) AS lost
                        FROM churns WHERE churn_date BETWEEN {d(start)} AND {d(end)} AND {a.only()}""")


def open_complaints(con, a: Ask, day):
    return run(con, f"SELECT COUNT(*) FROM complaints k WHERE {OPEN_ON.format(day=d(day))} AND {a.only('k.customer_id')}")


def at_risk_count(con, a: Ask, now, before, day):
    return run(con, f"SELECT COUNT(*) FILTER (WHERE score < 65) AS at_risk FROM ({health_sql(a, now, before, day)})")


def trend(con, a: Ask, start, end):
    return run(con, f"""SELECT date_trunc('month', date)::DATE AS month, SUM(amount) AS revenue,
                               SUM(COALESCE(profit, amount - cost)) AS profit
                        FROM sales WHERE date BETWEEN {d(start)} AND {d(end)} AND {a.only()} GROUP BY 1 ORDER BY 1""")


# ---- the pages ----------------------------------------------------------------------
def overview(con, a: Ask) -> list:
    now, before, before2 = (a.start, a.end), (a.prev_start, a.prev_end), (a.prev2_start, a.prev2_end)
    return options(con) + [
        totals(con, a, *now), totals(con, a, *before),
        a_accounts(con, a, *now), a_accounts(con, a, *before),
        coverage(con, a, a.as_of), coverage(con, a, a.prev_as_of),
        churn_totals(con, a, *now), churn_totals(con, a, *before),
        open_complaints(con, a, a.as_of), open_complaints(con, a, a.prev_as_of),
        at_risk_count(con, a, now, before, a.as_of), at_risk_count(con, a, before, before2, a.prev_as_of),
        trend(con, a, *now), trend(con, a, *before),
    ]


def abc_table(con, a: Ask, start, end):
    return run(con, f"""SELECT t.*, c.name AS customer_name, c.account_manager, c.region, c.tier
                        FROM ({abc_sql(start, end, a.only())}) t LEFT JOIN customers c USING (customer_id)
                        ORDER BY rank""")


def abc(con, a: Ask) -> list:
    now, before = abc_table(con, a, a.start, a.end), abc_table(con, a, a.prev_start, a.prev_end)
    con.register("abc_now", now)
    con.register("abc_before", before)
    out = options(con) + [now, before, run(con, """
        SELECT abc_class, COUNT(*) AS customers, SUM(GREATEST(value, 0)) / SUM(SUM(GREATEST(value, 0))) OVER ()
               AS value_share FROM abc_now GROUP BY 1"""), run(con, """
        SELECT COALESCE(b.abc_class, 'new') AS "from", COALESCE(n.abc_class, 'lost') AS "to", COUNT(*) AS customers,
               SUM(COALESCE(n.value, b.value)) AS value
        FROM abc_before b FULL JOIN abc_now n USING (customer_id) GROUP BY 1, 2"""), run(con, """
        SELECT b.customer_id, b.customer_name, b.value AS value_before, COALESCE(n.value, 0) AS value_now,
               COALESCE(n.abc_class, 'lost') AS class_now
        FROM abc_before b LEFT JOIN abc_now n USING (customer_id)
        WHERE b.abc_class = 'A' AND n.abc_class IS DISTINCT FROM 'A' ORDER BY value_before DESC""")]
    con.unregister("abc_now")
    con.unregister("abc_before")
    return out


def month_ends(start: dt.date, end: dt.date, today: dt.date) -> list[dt.date]:
    days, month = [], start.replace(day=1)
    while month <= min(end, today):
        following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        days.append(min(following - dt.timedelta(days=1), end, today))
        month = following
    return days


def revisits(con, a: Ask) -> list:
    day = a.as_of
    accounts = run(con, accounts_sql(a, day))
    con.register("acc_now", accounts)
    out = options(con) + [accounts, coverage(con, a, a.prev_as_of)]
    out += [coverage(con, a, end) for end in month_ends(a.start, a.end, a.today)]
    visits = f"""FROM visits v WHERE v.date BETWEEN {d(a.start)} AND {d(a.end)} AND {a.only('v.customer_id')}"""
    out += [
        run(con, f"SELECT COUNT(*) AS visits, AVG(satisfaction) AS satisfaction {visits}"),
        run(con, f"SELECT method, COUNT(*) {visits} GROUP BY 1"),
        run(con, f"SELECT occasion, COUNT(*) {visits} GROUP BY 1"),
        run(con, f"""SELECT date_trunc('month', date) AS month, COUNT(*), AVG(satisfaction) {visits}
                     AND satisfaction IS NOT NULL GROUP BY 1"""),
        run(con, f"""SELECT k.abc_class, COUNT(*), AVG(v.satisfaction) {visits.replace('FROM visits v', '''FROM visits v
                     LEFT JOIN acc_now k USING (customer_id)''')} AND v.satisfaction IS NOT NULL GROUP BY 1"""),
        run(con, f"""SELECT c.account_manager, p.status, p.planned_date, p.done_date FROM revisit_plans p
                     LEFT JOIN customers c USING (customer_id)
                     WHERE p.planned_date BETWEEN {d(a.start)} AND {d(a.end)} AND p.planned_date <= {d(day)}
                       AND {a.only('p.customer_id')}"""),
        run(con, f"""SELECT p.name, p.role, p.birthday, p.customer_id, c.name, c.account_manager
                     FROM contacts p JOIN customers c USING (customer_id)
                     WHERE p.birthday IS NOT NULL AND c.status = 'active' AND {a.only('c.customer_id')}
                       AND date_diff('day', {d(a.today)}, make_date(year({d(a.today)}), month(p.birthday),
                           LEAST(day(p.birthday), 28))) BETWEEN 0 AND 30"""),
        run(con, f"""SELECT p.plan_id, p.planned_date, p.customer_id, c.name, p.method, p.purpose FROM revisit_plans p
                     LEFT JOIN customers c USING (customer_id)
                     WHERE p.status = 'planned' AND p.planned_date >= {d(a.today)} AND {a.only('p.customer_id')}"""),
    ]
    con.unregister("acc_now")
    return out


def complaints(con, a: Ask) -> list:
    period = lambda column, s, e: f"k.{column} BETWEEN {d(s)} AND {d(e)} AND {a.only('k.customer_id')}"  # noqa: E731
    out = options(con)
    for s, e, day in ((a.start, a.end, a.as_of), (a.prev_start, a.prev_end, a.prev_end)):
        out += [run(con, f"SELECT COUNT(*) FROM complaints k WHERE {period('received', s, e)}"),
                open_complaints(con, a, day),
                run(con, f"""SELECT COUNT(*), AVG(date_diff('day', received, resolved_date)),
                                    AVG(CASE WHEN satisfied THEN 1.0 WHEN NOT satisfied THEN 0.0 END)
                             FROM complaints k WHERE {period('resolved_date', s, e)}""")]
    out += [
        run(con, f"""SELECT k.*, c.name, date_diff('day', k.received, {d(a.as_of)}) AS age_days
                     FROM complaints k LEFT JOIN customers c USING (customer_id)
                     WHERE {OPEN_ON.format(day=d(a.as_of))} AND {a.only('k.customer_id')} ORDER BY k.received"""),
    ]
    for by in ("category", "owner"):
        out.append(run(con, f"""SELECT {by}, COUNT(*), median(date_diff('day', received, resolved_date)),
                                       AVG(date_diff('day', received, resolved_date))
                                FROM complaints k WHERE {period('resolved_date', a.start, a.end)} GROUP BY 1"""))
    out += [
        run(con, f"""SELECT date_trunc('month', received) AS month, category, COUNT(*) FROM complaints k
                     WHERE {period('received', a.start, a.end)} GROUP BY 1, 2"""),
        run(con, f"""SELECT k.customer_id, any_value(c.name), COUNT(*) AS n FROM complaints k
                     LEFT JOIN customers c USING (customer_id) WHERE {period('received', a.start, a.end)}
                     GROUP BY 1 ORDER BY n DESC LIMIT 10"""),
        run(con, f"""SELECT k.*, c.name FROM complaints k LEFT JOIN customers c USING (customer_id)
                     WHERE {period('received', a.start, a.end)} ORDER BY k.received DESC"""),
    ]
    return out


def churn(con, a: Ask) -> list:
    def rate(start):
        return run(con, f"""SELECT COUNT(*) FROM customers c WHERE {a.only('c.customer_id')}
                            AND (c.created IS NULL OR c.created < {d(start)})
                            AND NOT EXISTS (SELECT 1 FROM churns h WHERE h.customer_id = c.customer_id
                                            AND h.churn_date <= {d(start)} - 1
                                            AND (h.reactivated_date IS NULL OR h.reactivated_date > {d(start)} - 1))
                            AND NOT (c.status = 'churned' AND NOT EXISTS
                                     (SELECT 1 FROM churns h WHERE h.customer_id = c.customer_id))""")

    listing = f"""FROM churns h LEFT JOIN customers c USING (customer_id)
                  WHERE h.churn_date BETWEEN {d(a.start)} AND {d(a.end)} AND {a.only('h.customer_id')}"""
    out = options(con) + [churn_totals(con, a, a.start, a.end), churn_totals(con, a, a.prev_start, a.prev_end),
                          rate(a.start), rate(a.prev_start)]
    out += [rate(m.replace(day=1)) for m in month_ends(a.start, a.end, a.end)]
    out += [
        run(con, f"""SELECT h.*, c.name FROM churns h LEFT JOIN customers c USING (customer_id)
                     WHERE h.reactivated_date BETWEEN {d(a.start)} AND {d(a.end)} AND {a.only('h.customer_id')}"""),
        run(con, f"SELECT h.reason, COUNT(DISTINCT h.customer_id), SUM(h.lost_revenue) {listing} GROUP BY 1"),
        run(con, f"""SELECT date_trunc('month', h.churn_date), h.reason, COUNT(DISTINCT h.customer_id)
                     {listing} GROUP BY 1, 2"""),
        run(con, f"SELECT h.*, c.name, c.tier, c.region, c.account_manager {listing} ORDER BY h.churn_date DESC"),
        run(con, f"""WITH last AS (SELECT customer_id, MAX(date) AS last_purchase FROM sales
                                   WHERE date <= {d(a.today)} GROUP BY 1),
                          suspect AS (SELECT c.customer_id, c.name, l.last_purchase FROM customers c JOIN last l USING (customer_id)
                                      WHERE c.status = 'active' AND {a.only('c.customer_id')}
                                        AND date_diff('day', l.last_purchase, {d(a.today)}) >= 90)
                     SELECT s.*, COALESCE(r.revenue, 0) AS revenue_12m FROM suspect s
                     LEFT JOIN (SELECT customer_id, SUM(amount) AS revenue FROM sales
                                WHERE date > {d(a.today)} - INTERVAL 12 MONTH AND date <= {d(a.today)}
                                  AND customer_id IN (SELECT customer_id FROM suspect) GROUP BY 1) r USING (customer_id)
                     ORDER BY revenue_12m DESC"""),
    ]
    return out


def at_risk(con, a: Ask) -> list:
    return options(con) + [run(con, f"""SELECT * FROM ({health_sql(a, (a.start, a.end), (a.prev_start, a.prev_end),
                                                                  a.as_of)}) ORDER BY revenue_12m DESC""")]


def accounts(con, a: Ask) -> list:
    top = run(con, f"""SELECT c.customer_id, c.name, COALESCE(s.revenue, 0) AS revenue_12m FROM customers c
                       LEFT JOIN (SELECT customer_id, SUM(amount) AS revenue FROM sales
                                  WHERE date > {d(a.today)} - INTERVAL 12 MONTH GROUP BY 1) s USING (customer_id)
                       ORDER BY revenue_12m DESC, c.customer_id LIMIT 200""")
    who = top.column("customer_id")[0].as_py()
    one = f"customer_id = '{who}'"
    return options(con) + [top] + [run(con, sql) for sql in (
        f"SELECT * FROM customers WHERE {one}",
        f"SELECT * FROM contacts WHERE {one}",
        f"""SELECT date_trunc('month', date) AS month, SUM(amount), SUM(COALESCE(profit, amount - cost)), COUNT(*)
            FROM sales WHERE {one} GROUP BY 1 ORDER BY 1""",
        f"""SELECT *, amount - COALESCE(paid_amount, 0) AS open_amount FROM payments
            WHERE {one} AND amount - COALESCE(paid_amount, 0) > 0.005 ORDER BY due_date""",
        f"SELECT * FROM visits WHERE {one} ORDER BY date DESC",
        f"SELECT * FROM profile_changes WHERE {one} ORDER BY changed_on DESC")]


def visits(con, a: Ask) -> list:
    return options(con) + [
        run(con, f"""SELECT v.*, c.name, c.account_manager, c.region, c.tier FROM visits v
                     LEFT JOIN customers c USING (customer_id)
                     WHERE v.date BETWEEN {d(a.start)} AND {d(a.end)} AND {a.only('v.customer_id')}
                     ORDER BY v.date DESC, v.visit_id DESC"""),
        run(con, f"""SELECT * FROM ({accounts_sql(a, a.today)}) WHERE NOT covered OR
                     COALESCE(last_visit, created) + to_days(interval_days::INT) <= {d(a.today)} + 28"""),
        run(con, f"""SELECT p.*, c.name, c.account_manager FROM revisit_plans p LEFT JOIN customers c USING (customer_id)
                     WHERE p.status = 'planned' AND {a.only('p.customer_id')} ORDER BY p.planned_date, p.plan_id"""),
    ]


PAGES = {"overview": overview, "abc": abc, "revisits": revisits, "complaints": complaints, "churn": churn,
         "at_risk": at_risk, "accounts": accounts, "visits": visits}


# ---- the CLI reports ------------------------------------------------------------------
def report_abc(con, today: dt.date):
    return run(con, f"""SELECT t.customer_id, c.name, round(t.value, 2), round(t.share, 6),
                               round(t.cumulative_share, 6), t.abc_class
                        FROM ({abc_sql(dt.date(1900, 1, 1), dt.date(9999, 12, 31), 'TRUE')}) t
                        LEFT JOIN customers c USING (customer_id) ORDER BY rank""")


def report_coverage(con, today: dt.date):
    everyone = Ask(today, today, today, today, today, today, today)
    return run(con, f"""SELECT customer_id, abc_class, last_visit, interval_days,
                               GREATEST(days_since - interval_days, 0) AS days_overdue, covered
                        FROM ({accounts_sql(everyone, today)}) ORDER BY customer_id""")


def report_churn_reasons(con, today: dt.date):
    return run(con, """SELECT reason, COUNT(DISTINCT customer_id) AS customers, round(SUM(lost_revenue), 2)
                       FROM churns GROUP BY 1 ORDER BY 3 DESC, 2 DESC""")


def report_at_risk(con, today: dt.date, filters):
    a = ask(filters, today)
    return run(con, f"""SELECT customer_id, round(score, 1) FROM ({health_sql(a, (a.start, a.end),
                        (a.prev_start, a.prev_end), a.as_of)}) WHERE score < 65 ORDER BY revenue_12m DESC""")


def report_receivables(con, today: dt.date):
    day = d(today)
    return run(con, f"""
        WITH o AS (SELECT customer_id, open_amount, GREATEST(date_diff('day', due_date, {day}), 0) AS late
                   FROM (SELECT customer_id, due_date, amount - CASE WHEN paid_date IS NULL THEN COALESCE(paid_amount, 0)
                                WHEN paid_date <= {day} THEN COALESCE(paid_amount, amount) ELSE 0 END AS open_amount
                         FROM payments WHERE invoice_date <= {day}) WHERE open_amount > 0.005)
        SELECT o.customer_id, c.name, c.account_manager, c.region, COUNT(*), round(SUM(open_amount), 2),
               round(SUM(open_amount) FILTER (WHERE late > 0), 2) AS overdue,
               round(SUM(open_amount) FILTER (WHERE late = 0), 2), round(SUM(open_amount) FILTER (WHERE late BETWEEN 1 AND 30), 2),
               round(SUM(open_amount) FILTER (WHERE late BETWEEN 31 AND 60), 2),
               round(SUM(open_amount) FILTER (WHERE late BETWEEN 61 AND 90), 2), round(SUM(open_amount) FILTER (WHERE late > 90), 2),
               MAX(late), c.credit_limit, SUM(open_amount) > c.credit_limit
        FROM o LEFT JOIN customers c USING (customer_id)
        GROUP BY o.customer_id, c.name, c.account_manager, c.region, c.credit_limit ORDER BY overdue DESC NULLS LAST""")


REPORTS = {"abc": report_abc, "coverage": report_coverage, "churn-reasons": report_churn_reasons,
           "at-risk": report_at_risk, "receivables": report_receivables}
