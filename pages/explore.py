import streamlit as st

from kam.explore import saved
from ui import explore_view as view
import ui

ctx = ui.context()
t = ctx.t

st.title(t("explore.title"))
st.caption(t("explore.intro"))
view.seed(t)
question = view.widgets(ctx)
if question is None:
    st.stop()
view.bind(question)

st.caption(ui.literal(question.sentence(t) + ". " + ctx.filters.human_clause(t)))
if question.compares:
    before = ctx.filters.previous().period
    st.caption(t("filter.compared_with", start=before.start, end=before.end))
answer = question.answer(ctx.db, ctx.filters, ui.today())
if answer.empty:
    st.info(t("explore.no_rows"))
else:
    figure = view.chart(answer, question, t)
    if figure is not None:
        st.plotly_chart(figure, width="stretch")
    view.show(answer, question, t)
    view.downloads(answer, question, t)

st.subheader(t("explore.saved"))
left, right = st.columns(2)
with left.form("ex_save", clear_on_submit=True, border=False):
    name = st.text_input(t("explore.save_name"), max_chars=100)
    if st.form_submit_button(t("explore.save")) and name.strip():
        saved.save(ctx.work, name, {**ctx.filters.to_params(), **question.to_params()})
        st.success(t("explore.saved_ok", name=ui.literal(name.strip())))
listing = saved.listing(ctx.db)
if listing.empty:
    right.info(t("explore.none_saved"))
else:
    by_name = dict(zip(listing["name"], listing["question"]))
    who = dict(zip(listing["name"], listing["recorded_by"]))
    chosen = right.selectbox(t("explore.saved"), list(by_name), key="ex_saved_pick",
                             format_func=lambda n: t("explore.saved_by", name=n, user=who[n]))
    right.button(t("explore.open_saved"), on_click=view.open_saved, args=(saved.params(by_name[chosen]),))
