import streamlit as st

from kam import formatting as fmt
from kam.risk import health
import ui

ctx = ui.context()
t, lang, filters, today = ctx.t, ctx.lang, ctx.filters, ui.today()
scoring = health.load(ctx.db)

st.title(t("health.title"))
before = filters.previous().period
st.caption(ui.literal(filters.human_clause(t)) + " " + t("filter.compared_with", start=before.start, end=before.end))

table = health.scores(ctx.db, filters, today, scoring)
if table.empty:
    st.info(t("health.none_scored"))
    st.stop()
risky = table[table["status"] == "at_risk"]
cols = st.columns(3)
cols[0].metric(t("health.kpi.at_risk"), fmt.count(len(risky)), border=True)
cols[1].metric(t("health.kpi.at_stake"), fmt.money(risky["revenue_12m"].sum(), lang), border=True)
cols[2].metric(t("health.kpi.watch"), fmt.count((table["status"] == "watch").sum()), border=True)
st.caption(t("health.as_of", day=table["as_of"].iat[0], scored=len(table)))

with st.expander(t("health.how"), expanded=False):
    st.write(t("health.how_score", at_risk=f"{scoring.at_risk_below:g}", watch=f"{scoring.watch_below:g}"))
    ui.show_table(health.rules(t, scoring), t)

include_watch = st.toggle(t("health.include_watch"), key="health_watch")
listed = health.at_risk(ctx.db, filters, today, include_watch=include_watch, scoring=scoring, table=table)
COLUMNS = ["customer_name", "score", "reasons", "revenue_12m", "status", "account_manager", "abc_class", "tier",
           "customer_id"]


def for_people(rows):
    return ui.named_values(health.with_reasons(rows, t, lang, scoring)[COLUMNS], t,
                           {"tier": "tier", "status": "health.status"})


on_screen = ui.first_rows(listed, t)
ui.show_table(for_people(on_screen), t, money=["revenue_12m"],
              column_config={t("col.score"): st.column_config.NumberColumn(format="%.0f"),
                             t("col.reasons"): st.column_config.TextColumn(width="large")})
ui.csv_download(lambda: for_people(listed), t("common.download_csv"), "accounts_at_risk.csv", key="dl_at_risk")

st.subheader(t("health.check"))
# the accounts listed above (every scored one when none is), found by typing in the box
pool = listed if len(listed) else table
ids = list(pool["customer_id"])
names = dict(zip(pool["customer_id"], pool["customer_name"]))
chosen = st.selectbox(t("health.pick"), ids, format_func=lambda i: f"{names[i]} ({i})", key="health_pick")
row = table.set_index("customer_id").loc[chosen]
parts = health.explain(row, scoring)
parts["figure"] = [health.figure_text(t, lang, part, row) for part in parts["part"]]
parts["rule"] = [health.band_text(t, part, scoring.bands[part]) for part in parts["part"]]
parts["part"] = [t(f"health.part.{p}") for p in parts["part"]]
ui.show_table(parts[["part", "figure", "rule", "points", "weight", "contribution"]], t,
              column_config={t("col.contribution"): st.column_config.NumberColumn(format="%.1f")})
st.write(t("health.total", score=row["score"], status=t(f"health.status.{row['status']}")))
sentence = health.why(row, t, lang, scoring)
if sentence:
    st.warning(sentence)
