"""Import: file, mapping, preview and check, import; then the history and undo."""
import streamlit as st

from kam import access
from kam.imports import files
from kam.imports import import_log
from kam.imports import importer
from kam.imports import mapping
from kam.export import to_csv_bytes
from kam.i18n import value_name
from kam.store.schema import IMPORTABLE, TABLES
import ui
from ui import signin
from ui import uploads

ENCODINGS = ("auto", "utf-8", "gb18030", "utf-16", "big5")

ctx = ui.context()
t, store = ctx.t, ctx.store
state = st.session_state


def table_label(name: str) -> str:
    return t(f"table.{name}")


def history() -> None:
    st.divider()
    st.subheader(t("import.history"))
    log = import_log.history(store)
    if log.empty:
        st.caption(t("import.history_empty"))
    else:
        log["table"] = log["table"].map(table_label)
        ui.show_table(log, t, labels={"import_id": t("import.col.import_id"), "when": t("data.when"),
                                      "user": t("data.user"), "file": t("import.col.file"),
                                      "undone": t("import.col.undone")}, moments=["when"])
    name = state.get("imp_table", "sales")
    if signin.allowed(ctx, access.UNDO) and st.button(t("import.undo", table=table_label(name)), key="imp_undo"):
        try:
            undone = import_log.undo_last(ctx.work, name)
        except import_log.UndoRefused as refused:
            st.warning(t(f"import.undo_refused.{refused.code}", **refused.detail))
        else:
            state.pop("imp_done", None)
            st.success(t("import.undone", import_id=undone.import_id, rows=undone.rows))


def read_file(upload, encoding: str, header_line: int) -> files.Source | None:
    key = (upload.file_id, encoding, header_line)
    if state.get("imp_source_key") != key:
        try:
            source = files.read(upload.name, upload.getvalue(), encoding=encoding, header_line=header_line or None)
        except files.ReadError as error:
            said = t(f"import.read_error.{error.code}", detail=ui.literal(error.detail))  # the file's own text
            file = ui.literal(upload.name)
            refused = (t("import.unreadable_at", file=file, line=error.line, message=said) if error.line
                       else t("import.unreadable", file=file, message=said))
        else:
            state.update(imp_source_key=key, imp_source=source)
            state.pop("imp_done", None)
            return source
        state.pop("imp_source", None)  # a file read before this one is no longer shown, so not kept either
        state.pop("imp_source_key", None)
        uploads.refuse(upload, "imp_file", refused)
    return state["imp_source"]


def describe(source: files.Source) -> None:
    st.caption(source.describe(t))
    if source.encoding_guessed:
        st.warning(t("import.encoding_guessed", encoding=source.encoding))


def choose_mapping(name: str, source: files.Source) -> dict:
    spec = TABLES[name]
    fitting = mapping.matching(store.root, name, source.headers)
    names = [""] + [m.name for m in mapping.saved(store.root, name)]
    default = names.index(fitting[0].name) if fitting else 0
    token = f"{source.sha256[:12]}_{name}"
    chosen = st.selectbox(t("import.saved_mapping"), names, index=default, key=f"imp_saved_{token}",
                          format_func=lambda n: n or t("import.saved_mapping_none"))
    if fitting and chosen == fitting[0].name:
        st.caption(t("import.saved_mapping_offered", name=ui.literal(chosen)))
    start = dict(mapping.load(store.root, chosen).columns) if chosen else mapping.auto_map(spec, source.headers)
    choices = [None] + [c.name for c in mapping.targets(spec)]
    required = {c.name for c in spec.columns if c.required}

    def shown(column):
        if column is None:
            return t("import.ignore")
        return ui.label(t, name, column) + (" *" if column in required else "")

    chosen_map = {}
    columns = st.columns(4)
    for i, header in enumerate(source.headers):
        target = start.get(header)
        chosen_map[header] = columns[i % 4].selectbox(  # labelled with the file's own header, as written
            ui.plain_label(header), choices, index=choices.index(target) if target in choices else 0, format_func=shown,
            key=f"imp_map_{token}_{chosen}_{i}")
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    title = left.text_input(t("import.save_mapping_name"), key=f"imp_save_name_{token}")
    if right.button(t("import.save_mapping"), disabled=not title.strip(), key=f"imp_save_{token}"):
        mapping.save(store.root, mapping.SavedMapping(title.strip(), name, tuple(source.headers), chosen_map))
        st.success(t("import.mapping_saved", name=ui.literal(title.strip())))
    return chosen_map


def choose_constants(name: str, source: files.Source, chosen_map: dict) -> dict[str, str]:
    """A value for every line in a column the file lacks (a column's default is offered)."""
    mapped = set(chosen_map.values())
    lacking = [c for c in mapping.targets(TABLES[name]) if c.name not in mapped and c.name != TABLES[name].key]
    constants = {}
    with st.expander(t("import.constants"), expanded=any(c.required for c in lacking)):
        st.caption(t("import.constants_help"))
        columns = st.columns(4)
        for i, col in enumerate(lacking):
            key, label = f"imp_const_{source.sha256[:12]}_{name}_{col.name}", ui.label(t, name, col.name)
            if col.allowed:
                options = ("", *col.allowed)
                value = columns[i % 4].selectbox(label, options, index=options.index(col.default or ""), key=key,
                                                 format_func=lambda v, c=col.name: value_name(t, c, v) or "—")
            else:
                value = columns[i % 4].text_input(label, value=col.default or "", key=key)
            if value.strip() and value != col.default:
                constants[col.name] = value.strip()
    return constants


def choose_options(name: str, source: files.Source, chosen_map: dict, constants: dict) -> importer.Options:
    left, right = st.columns(2)
    on_duplicate = left.radio(t("import.on_duplicate"), importer.ON_DUPLICATE, key="imp_on_duplicate",
                              format_func=lambda v: t(f"import.on_duplicate.{v}"), horizontal=True)
    date_order = right.selectbox(t("import.date_order"), (None, *importer.DATE_ORDERS), key="imp_date_order",
                                 format_func=lambda v: t(f"import.date_order.{v or 'none'}"))
    create = False
    if "customer_id" in TABLES[name].names and name != "customers":
        create = left.checkbox(t("import.create_customers"), key="imp_create")
    return importer.Options(
        mapping=chosen_map, date_order=date_order, on_duplicate=on_duplicate, create_customers=create,
        drop_repeats=right.checkbox(t("import.drop_repeats"), key="imp_drop_repeats"),
        good_rows_only=left.checkbox(t("import.good_rows_only"), key="imp_good_rows"),
        force=state.get("imp_force", False), constants=constants)


def show_check(plan: importer.Plan) -> None:
    skipped = int((~plan.write & ~plan.rejected).sum())
    st.markdown(t("import.summary", rows=plan.source.rows, write=int(plan.write.sum()),
                  rejected=int(plan.rejected.sum()), skipped=skipped, updates=plan.updates))
    for key, values in plan.notes:
        st.caption(t(key, **values))
    shown = importer.preview(plan)
    st.caption(t("import.preview", rows=len(shown)))
    table = ui.labelled(shown.drop(columns="line"), t, plan.table.name)
    table.insert(0, t("import.col.line"), shown["line"].to_numpy())
    st.dataframe(table, hide_index=True, width="stretch")
    warnings = int((plan.problems["severity"] == "warning").sum())
    st.markdown("**" + t("import.problems", errors=len(plan.errors), warnings=warnings) + "**")
    if plan.problems.empty:
        st.caption(t("import.no_problems"))
        return
    kinds = importer.grouped(plan, t)
    kinds["severity"] = kinds["severity"].map(lambda s: t(f"import.severity.{s}"))
    kinds["column"] = [ui.label(t, plan.table.name, c) if c else "" for c in kinds["column"]]
    st.dataframe(ui.labelled(kinds, t, labels={c: t(f"import.col.{c}") for c in kinds.columns}), hide_index=True,
                 width="stretch")
    named = importer.report(plan, t)
    named = ui.labelled(named, t, labels={c: t(f"import.col.{c}") for c in named.columns})
    left, right = st.columns(2)
    left.download_button(t("import.download_problems"), to_csv_bytes(named), mime="text/csv",
                         file_name=f"{plan.source.name}.problems.csv", key="imp_problems_csv")
    if plan.rejected.any():
        right.download_button(t("import.download_rejected"), to_csv_bytes(importer.rejected_rows(plan, t)),
                              file_name=f"{plan.source.name}.rejected.csv", mime="text/csv", key="imp_rejected_csv")


def run_import(plan: importer.Plan) -> None:
    if not plan.ready:
        st.error(t("import.blocked"))
        return
    rows = int(plan.write.sum())
    if st.button(t("import.go", rows=f"{rows:,}"), type="primary", key="imp_go"):
        bar = st.progress(0.0, text=t("import.stage.writing"))
        try:
            done = importer.commit(ctx.work, plan,
                                   progress=lambda stage, part: bar.progress(part, text=t(f"import.stage.{stage}")))
        except importer.Conflict as conflict:
            bar.empty()
            st.error(t(f"import.conflict.{conflict.code}", **conflict.detail))
            return
        bar.empty()
        state["imp_done"] = done
        state["imp_force"] = False
        st.rerun()


st.title(t("import.title"))
st.caption(t("import.intro"))
done = state.get("imp_done")
if done:
    st.success(t("import.done", rows=f"{done.rows:,}", table=table_label(done.table), import_id=done.import_id))
    if done.customers_created:
        st.info(t("import.done_customers", count=done.customers_created))

st.subheader(t("import.step_file"))
left, middle, right = st.columns([2, 1, 1])
table_name = left.selectbox(t("import.table"), IMPORTABLE, index=IMPORTABLE.index("sales"), key="imp_table",
                            format_func=table_label)
encoding = middle.selectbox(t("import.encoding"), ENCODINGS, key="imp_encoding",
                            format_func=lambda e: t("import.encoding.auto") if e == "auto" else e.upper())
header_line = right.number_input(t("import.header_line"), min_value=0, step=1, key="imp_header_line")
upload = uploads.file_uploader(t("import.file"), ["csv", "txt", "tsv", "xlsx", "xls"], key="imp_file")
source = read_file(upload, encoding, int(header_line)) if upload is not None else None

if source is not None:
    describe(source)
    st.subheader(t("import.step_mapping"))
    chosen_map = choose_mapping(table_name, source)
    options = choose_options(table_name, source, chosen_map, choose_constants(table_name, source, chosen_map))
    bar = st.progress(0.0, text=t("import.stage.checking"))
    plan = importer.check(store, table_name, source, options,
                          progress=lambda stage, part: bar.progress(part, text=t(f"import.stage.{stage}")))
    bar.empty()
    if options.force or not plan.problems[plan.problems["code"] == "already_imported"].empty:
        st.checkbox(t("import.force"), key="imp_force")
    st.subheader(t("import.step_preview"))
    show_check(plan)
    st.subheader(t("import.step_import"))
    run_import(plan)

history()
