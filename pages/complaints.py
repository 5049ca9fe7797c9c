import pandas as pd
import streamlit as st

from kam.risk import complaints
from kam.revisits import coverage
from kam import formatting as fmt
from kam.i18n import value_name
from ui import charts
import ui

ctx = ui.context()
t, lang, filters = ctx.t, ctx.lang, ctx.filters
day = coverage.as_of(filters, ui.today())
before = filters.previous()

st.title(t("complaint.title"))
st.caption(ui.literal(filters.human_clause(t)) + " " + t("complaint.open_on", day=day))

now = complaints.summary(ctx.db, filters, day)
then = complaints.summary(ctx.db, before, before.period.end)


def change(key: str):
    return fmt.change(now[key] / then[key] - 1 if then[key] else None)


left, mid, right, last = st.columns(4)
left.metric(t("complaint.received"), fmt.count(now["received"]), change("received"), delta_color="inverse",
            border=True)
mid.metric(t("complaint.open_now"), fmt.count(now["open"]), change("open"), delta_color="inverse", border=True)
right.metric(t("complaint.mean_days"), "–" if now["mean_days"] is None else f"{now['mean_days']:.1f}",
             border=True)
last.metric(t("complaint.satisfied"), fmt.share(now["satisfied_share"]), border=True)

st.subheader(t("complaint.by_age"))
aged = complaints.open_by_age(ctx.db, filters, day)
if aged.empty:
    st.success(t("complaint.none_open"))
else:
    bands = [name for _, name in complaints.AGE_BANDS]
    counts = aged.groupby(["age_band", "severity"], dropna=False).size().reset_index(name="complaints")
    figure = charts.bar(ui.named_values(counts, t, ["severity"]), x="age_band", y="complaints", color="severity", height=300,
                    category_orders={"age_band": bands},
                    labels={"age_band": t("col.age_band"), "complaints": t("col.complaints"),
                            "severity": t("col.severity")})
    st.plotly_chart(figure, width="stretch")
    coded = ["category", "subcategory", "severity", "status"]
    ui.show_table(ui.named_values(ui.first_rows(aged, t), t, coded), t, "complaints")
    ui.csv_download(lambda: ui.named_values(aged, t, coded), t("common.download_csv"), "open_complaints.csv",
                    key="dl_open_complaints")

st.subheader(t("complaint.time_to_resolve"))
by_category, by_owner = st.columns(2)
for place, by, frame in ((by_category, "category", complaints.time_to_resolve(ctx.db, filters, "category")),
                         (by_owner, "owner", complaints.time_to_resolve(ctx.db, filters, "owner"))):
    if frame.empty:
        place.info(t("complaint.none_resolved"))
        continue
    frame = ui.named_values(frame, t, [by] if by == "category" else [])
    place.plotly_chart(charts.bar(frame, x=by, y="median_days", height=280,
                              labels={by: t(f"col.{by}"), "median_days": t("col.median_days")}),
                       width="stretch")
    with place:
        ui.show_table(frame, t, "complaints", shares=["satisfied_share"],
                      column_config={t("col.mean_days"): st.column_config.NumberColumn(format="%.1f")})

st.subheader(t("complaint.trend"))
trend = complaints.trend(ctx.db, filters)
if not trend.empty:
    figure = charts.bar(ui.named_values(trend, t, ["category"]), x="month", y="complaints", color="category",
                        height=300, labels={"month": t("col.month"), "complaints": t("col.complaints"),
                                            "category": t("col.category")})
    st.plotly_chart(charts.month_axis(figure, trend["month"], lang, t, filters.period.end), width="stretch")

st.subheader(t("complaint.top_accounts"))
ui.show_table(complaints.top_accounts(ctx.db, filters), t)

st.subheader(t("complaint.card"))
listing = complaints.listing(ctx.db, filters)
# the oldest open and the newest received first (a linked complaint too), found by typing in the box
wanted = st.query_params.get("complaint")
both = pd.concat([aged.head(ui.ROWS_ON_SCREEN), listing.head(ui.ROWS_ON_SCREEN),
                  listing[listing["complaint_id"] == wanted], aged[aged["complaint_id"] == wanted]])
both = both.drop_duplicates("complaint_id")
ids = both["complaint_id"].tolist()
if not ids:
    st.info(t("complaint.none_in_period"))
    st.stop()
known = dict(zip(ids, [f"{i} · {n} · {d:%Y-%m-%d}" for i, n, d in
                       zip(both["complaint_id"], both["customer_name"], both["received"])]))
chosen = st.selectbox(t("complaint.pick"), ids, index=ids.index(wanted) if wanted in ids else 0, key="complaint_pick",
                      format_func=known.get)
st.query_params["complaint"] = chosen
card = complaints.complaint(ctx.db, chosen, ui.today())
st.markdown(f"**{ui.literal(card['customer_name'])}** {ui.literal(card['customer_id'])} · {ui.literal(chosen)}")
facts = st.columns(3)
shown_facts = [("received", card["received"]), ("channel", card["channel"]),
               ("category", value_name(t, "category", card["category"])),
               ("subcategory", value_name(t, "subcategory", card["subcategory"])),
               ("severity", value_name(t, "severity", card["severity"])),
               ("status", value_name(t, "status", card["status"])), ("owner", card["owner"]),
               ("resolved_date", card["resolved_date"]),
               ("satisfied", None if ui.shown(card["satisfied"]) == "–" else
                t(f"common.{str(bool(card['satisfied'])).lower()}"))]
for i, (column, value) in enumerate(shown_facts):
    facts[i % 3].markdown(f"{t(f'col.complaints.{column}')}  \n**{ui.literal(value)}**")
st.caption(t("complaint.days_open", days=int(card["days_open"])))
for column in ("description", "cause", "resolution"):
    st.markdown(f"**{t(f'col.complaints.{column}')}**: {ui.literal(card[column])}")
