"""Numbers as a meeting reads them, and CSV files that are safe to open in a spreadsheet."""
import io
import math

import pandas as pd
import pytest

from kam import formatting as fmt
from kam.export import neutralise, to_csv_bytes


@pytest.mark.parametrize("value, zh, en", [
    (0, "¥0", "¥0"),
    (999, "¥999", "¥999"),
    (1234, "¥1,234", "¥1.23K"),
    (56789, "¥5.7万", "¥56.79K"),
    (12_345_678, "¥1,234.6万", "¥12.35M"),
    (123_456_789, "¥1.23亿", "¥123.46M"),
    (4_500_000_000, "¥45.00亿", "¥4.50B"),
    (-56789, "-¥5.7万", "-¥56.79K"),
])
def test_money_in_wan_and_yi_for_chinese_and_k_m_b_for_english(value, zh, en):
    assert (fmt.money(value, "zh"), fmt.money(value, "en")) == (zh, en)


@pytest.mark.parametrize("missing", [None, math.nan])
def test_missing_numbers_show_a_dash(missing):
    assert fmt.money(missing, "zh") == fmt.money(missing, "en") == fmt.share(missing) == "–"
    assert fmt.change(missing) is None


def test_counts_shares_and_changes():
    assert fmt.count(12345.0) == "12,345"
    assert fmt.count(None) == "–"
    assert fmt.share(0.1234) == "12.3%"
    assert fmt.share(0.5, digits=0) == "50%"
    assert fmt.change(0.125) == "+12.5%"
    assert fmt.change(-0.04) == "-4.0%"
    assert fmt.change(0.031, "share") == "+3.1 pp"
    assert fmt.change(-0.2, "share") == "-20.0 pp"


RISKY = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]


def test_exported_text_that_a_spreadsheet_would_run_as_a_formula_is_neutralised():
    frame = pd.DataFrame({"customer": RISKY + ["华东精密机械", None],
                          "amount": [-5.0, 1, 2, 3, 4, 5, 6, -7.5]})
    safe = neutralise(frame)
    assert safe["customer"].tolist()[:6] == ["'" + text for text in RISKY]
    assert safe["customer"].iloc[6] == "华东精密机械" and pd.isna(safe["customer"].iloc[7])
    assert safe["amount"].tolist() == frame["amount"].tolist()  # numbers stay numbers, minus signs too
    assert frame["customer"].iloc[0] == RISKY[0]  # the shown table is left alone


def test_csv_download_has_a_byte_order_mark_for_excel_and_reads_back_safely():
    frame = pd.DataFrame({"客户": ["=1+2", "申江物流"], "金额": [1200.5, -3.0]})
    data = to_csv_bytes(frame)
    assert data.startswith("\ufeff".encode("utf-8"))
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back.columns.tolist() == ["客户", "金额"]
    assert back["客户"].tolist() == ["'=1+2", "申江物流"]
    assert back["金额"].tolist() == [1200.5, -3.0]
