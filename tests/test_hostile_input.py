"""A careless or hostile user brings a file: every value that could break the store or a report
is refused where it is (line, column), and nothing is written."""
from __future__ import annotations

import datetime as dt
import html
import json

import pytest

import import_corpus as corpus
from hostile_files import inflating_xlsx
from kam.imports import files, importer
from kam.store.records import InvalidRecords
from kam.store.schema import NUMBER_LIMIT


@pytest.fixture
def shop(store):
    store.append("customers", corpus.CUSTOMERS, user="setup")
    return store


def problems(plan) -> set[tuple[int, str, str]]:
    rows = plan.problems[plan.problems["row"] >= 0]
    return {(int(line), column, code) for line, column, code in zip(rows["line"], rows["column"], rows["code"])}


def test_an_infinite_amount_is_refused_at_its_line_and_nothing_is_written(shop):
    data = ("订单号,客户编号,订单日期,金额\n"
            "S1,00017,2026-03-01,1e309\n"
            "S2,00017,2026-03-02,-1e309\n"
            "S3,00017,2026-03-03,2e12\n"
            "S4,00017,2026-03-04,100\n").encode()
    plan = importer.check(shop, "sales", files.read("sales.csv", data))
    assert problems(plan) == {(2, "amount", "out_of_range"), (3, "amount", "out_of_range"),
                              (4, "amount", "out_of_range")}
    assert not plan.ready and shop.version("sales") == -1


def test_a_form_cannot_store_an_infinite_or_absurd_number_either(shop):
    for amount in (float("inf"), -float("inf"), NUMBER_LIMIT):
        with pytest.raises(InvalidRecords) as refused:
            shop.append("sales", [{"order_id": "F1", "customer_id": "00017", "date": "2026-03-01",
                                   "amount": amount}], user="ana")
        assert [(p.column, p.code) for p in refused.value.problems] == [("amount", "out_of_range")]


def test_an_id_with_a_line_break_is_refused_on_import_and_in_a_form(shop):
    data = ('计划编号,客户编号,计划日期,状态\n"P1\r\nATTENDEE:mailto:x@evil",00017,2026-03-01,planned\n'
            "P2,00017,2026-03-02,planned\n").encode()
    plan = importer.check(shop, "revisit_plans", files.read("plans.csv", data))
    assert problems(plan) >= {(2, "plan_id", "not_one_line")}
    with pytest.raises(InvalidRecords) as refused:
        shop.append("customers", [{"customer_id": "C\x00", "name": "x", "tier": "ordinary", "status": "active"}],
                    user="ana")
    assert [(p.column, p.code) for p in refused.value.problems] == [("customer_id", "not_one_line")]


def test_dates_far_outside_any_record_are_read_and_said_to_be_out_of_range(shop):
    data = ("订单号,客户编号,订单日期,金额\nS1,00017,9999-12-31,1\nS2,00017,1000-01-01,1\n"
            "S3,00017,2026-03-01,1\n").encode()
    plan = importer.check(shop, "sales", files.read("sales.csv", data))
    assert problems(plan) == {(2, "date", "out_of_range"), (3, "date", "out_of_range")}
    said = importer.report(plan, corpus_en())["message"].tolist()
    assert said[0] == "outside the range a record may hold (1900-01-01 … 2199-12-31)"


def corpus_en():
    from kam.i18n import translator
    return translator("en")


UTF8_LINES = ["客户编号,客户名称,客户等级,状态"] + [f"C{i},华东精密机械{i},ordinary,active" for i in range(3000)]


@pytest.mark.parametrize("on_disk", [False, True])
def test_a_utf8_file_with_one_gb18030_line_is_refused_naming_that_line(tmp_path, on_disk):
    data = ("\n".join(UTF8_LINES[:1500]) + "\n").encode() + "C9,申江物流,ordinary,active\n".encode("gb18030") + (
        "\n".join(UTF8_LINES[1500:]) + "\n").encode()
    with pytest.raises(files.ReadError) as refused:
        if on_disk:
            (tmp_path / "mixed.csv").write_bytes(data)
            files.open_file(tmp_path / "mixed.csv")
        else:
            files.read("mixed.csv", data)
    assert (refused.value.code, refused.value.line) == ("mixed_encoding", 1501)


@pytest.mark.parametrize("on_disk", [False, True])
def test_a_gb18030_file_with_utf8_lines_after_its_first_megabyte_is_refused_naming_them(tmp_path, on_disk):
    gb18030 = ("\n".join(UTF8_LINES[:1] + [f"C{i},华东精密机械{i},ordinary,active" for i in range(40_000)])
               + "\n").encode("gb18030")
    assert len(gb18030) > 1 << 20  # the encoding is decided from the start: the UTF-8 lines come after it
    data = gb18030 + "C90001,申江物流,ordinary,active\nC90002,蜀都食品,ordinary,active\n".encode()
    with pytest.raises(files.ReadError) as refused:
        if on_disk:  # the command line's way: read a block at a time
            (tmp_path / "appended.csv").write_bytes(data)
            files.open_file(tmp_path / "appended.csv")
        else:
            files.read("appended.csv", data)
    assert (refused.value.code, refused.value.detail, refused.value.line) == ("mixed_encoding", "40002, 40003", 40002)


def test_a_file_ascii_for_its_first_megabyte_then_gb18030_is_read_as_gb18030(tmp_path):
    data = ("\n".join(UTF8_LINES[:1] + [f"C{i},Precision Works {i},ordinary,active" for i in range(40_000)])
            + "\nC9,申江物流,ordinary,active\n").encode("gb18030")
    (tmp_path / "late.csv").write_bytes(data)
    reading = files.open_file(tmp_path / "late.csv")
    assert reading.encoding == "GB18030" and reading.rows == 40_001


def test_a_gb18030_file_is_still_read_as_gb18030():
    source = files.read("gb.csv", "\n".join(UTF8_LINES[:50]).encode("gb18030"))
    assert source.encoding == "GB18030" and source.cells.column("客户名称")[0].as_py() == "华东精密机械0"


def test_a_ten_megabyte_value_is_refused_at_its_line():
    for value in ("x" * 10_000_000, '"' + "xxxxx\n" * 2_000_000 + '"'):
        data = f"客户编号,客户名称,客户等级,状态\nC1,a,ordinary,active\nC2,{value},ordinary,active\n".encode()
        with pytest.raises(files.ReadError) as refused:
            files.read("long.csv", data)
        assert refused.value.code in ("line_too_long", "value_too_long", "record_too_long")
        assert refused.value.line == 3


def test_an_xlsx_that_unpacks_to_hundreds_of_megabytes_is_refused_before_it_is_expanded():
    data = inflating_xlsx(files.XLSX_BYTES // 2 ** 20 + 16)
    assert len(data) < 2 ** 20
    with pytest.raises(files.ReadError) as refused:
        files.read("bomb.xlsx", data)
    assert refused.value.code == "xlsx_too_large"


def test_two_columns_with_the_same_header_are_refused_naming_both():
    with pytest.raises(files.ReadError) as refused:
        files.read("twice.csv", "客户编号,金额,客户名称,金额\nC1,1,a,2\n".encode())
    assert (refused.value.code, refused.value.detail) == ("duplicate_header", "金额 (2, 4)")


# ---- the app: addresses and stored text ---------------------------------------

def test_an_address_with_unknown_values_opens_the_page_with_a_short_note(book, monkeypatch):
    from test_pages import open_app

    at = open_app(book.root, monkeypatch, "overview", lang="en", tier="foo,important", period="someday")
    assert not at.exception
    assert at.sidebar.multiselect(key="f_tier").value == ["important"]
    said = [html.unescape(c.value) for c in at.sidebar.caption]
    assert any("tier=foo" in c and "period=someday" in c for c in said)


BEACON = "![x](http://beacon.example/b.png) [click](http://evil.example) <img src=http://beacon.example/i>"


def test_markdown_in_a_stored_name_and_profile_is_escaped_on_the_account_page(book, monkeypatch):
    import ui
    from test_pages import open_app

    book.append("customers", [{"customer_id": "MD1", "name": f"**Acme** {BEACON}", "tier": "important",
                               "status": "active", "profile": BEACON}], user="ana")
    at = open_app(book.root, monkeypatch, "accounts", lang="en", customer="MD1")
    assert not at.exception
    assert [h.value for h in at.header] == [ui.literal(f"**Acme** {BEACON} · MD1")]
    assert BEACON in [x.value for x in at.text]  # the profile: plain text, no markdown at all
    assert all("](http" not in m.value for m in at.markdown)


LINK = '<a href="http://evil.example">x</a><b>big</b>'


def test_a_name_holding_html_reaches_plotly_escaped_in_the_hover_and_the_ticks(book, monkeypatch):
    from test_pages import open_app

    book.append("customers", [{"customer_id": "HT1", "name": LINK, "tier": "important", "status": "active",
                               "account_manager": LINK, "region": "East"}], user="ana")
    book.append("sales", [{"order_id": "HT-S1", "customer_id": "HT1", "date": dt.date(2025, 6, 1),
                           "amount": 5_000_000}], user="ana")
    book.append("visits", [{"visit_id": "HT-V1", "customer_id": "HT1", "date": dt.date(2025, 6, 2),
                            "method": "phone"}], user="ana")
    at = open_app(book.root, monkeypatch, "abc", lang="en", period="custom", start="2025-01-01", end="2025-12-31")
    assert not at.exception
    pareto = texts(json.loads(at.get("plotly_chart")[0].proto.spec))  # the figure as the browser gets it
    assert html.escape(LINK, quote=False) in pareto and not any("<a" in t or "<b>" in t for t in pareto)


def texts(tree) -> set[str]:
    """Every text in a figure's JSON."""
    if isinstance(tree, str):
        return {tree}
    items = tree.values() if isinstance(tree, dict) else tree if isinstance(tree, list) else []
    return set().union(*map(texts, items))


@pytest.mark.parametrize("draw", ["bar", "line", "pie"])
def test_every_chart_of_the_pages_escapes_the_datas_text(draw):
    import pandas as pd

    from ui import charts
    frame = pd.DataFrame({"who": [LINK, "申江物流 & Co"], "value": [1.0, 2.0]})
    figure = (charts.pie(frame, names="who", values="value") if draw == "pie" else
              getattr(charts, draw)(frame, x="who", y="value", color="who"))
    shown = texts(json.loads(figure.to_json()))
    assert {html.escape(LINK, quote=False), "申江物流 &amp; Co"} <= shown and not any("<a" in t for t in shown)


@pytest.mark.parametrize("page, param", [("explore", "subject"), ("meeting", "meeting")])
def test_an_address_value_holding_markdown_is_named_in_its_note_as_written(book, monkeypatch, page, param):
    from test_pages import open_app

    at = open_app(book.root, monkeypatch, page, lang="en", **{param: BEACON})
    assert not at.exception
    said = [w.value for w in at.warning]
    assert said and all("](http" not in s and "<img" not in s for s in said)  # nothing to load or click
    assert any(BEACON in html.unescape(s).replace("\u2060", "") for s in said), said
