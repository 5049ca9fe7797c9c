"""Files as analysts bring them: exports from ERP and CRM systems, saved by Excel on Chinese Windows.

Each file is written here byte for byte (text, encoding, line ends), so a test
names the file and the reader sees exactly what is in it. The customers below
are in the store before each import.
"""
from __future__ import annotations

import datetime as dt
import io

CUSTOMERS = [
    {"customer_id": "00017", "name": "华东精密机械", "tier": "important", "status": "active"},
    {"customer_id": "00023", "name": "申江物流", "tier": "ordinary", "status": "active"},
    {"customer_id": "C105", "name": "蜀都食品", "tier": "ordinary", "status": "active"},
]


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


# An ERP sales report: GB18030, CRLF, a title and a blank line above the header, a unit in a
# header, dates and amounts written five ways each, a quoted product with a comma, a total line.
ERP_SALES = crlf(
    "销售明细表 (2026年3月)\n"
    "\n"
    "订单号,客户编号,客户名称,订单日期,产品,数量,金额(元),成本\n"
    'SO-001,00017,华东精密机械,2026/3/5,"螺栓, M8",100,"1,234.50",800\n'
    "SO-002,00023,申江物流,2026年3月6日,托盘,２０,¥2000,1500\n"
    "SO-003,00017,华东精密机械,2026-03-07,轴承,5,300元,\n"
    "SO-004,C105,蜀都食品,20260308,退货,-1,（50.00）,-30\n"
    "SO-005,00023,申江物流,46094,包装箱,10,\"=\"\"1000\"\"\",600\n"
    "合计,,,,,,\"4,484.50\",\n"
).encode("gb18030")
ERP_SALES_ROWS = [  # (order_id, customer_id, date, product, quantity, amount, cost) as stored
    ("SO-001", "00017", dt.date(2026, 3, 5), "螺栓, M8", 100.0, 1234.5, 800.0),
    ("SO-002", "00023", dt.date(2026, 3, 6), "托盘", 20.0, 2000.0, 1500.0),
    ("SO-003", "00017", dt.date(2026, 3, 7), "轴承", 5.0, 300.0, None),
    ("SO-004", "C105", dt.date(2026, 3, 8), "退货", -1.0, -50.0, -30.0),
    ("SO-005", "00023", dt.date(2026, 3, 13), "包装箱", 10.0, 1000.0, 600.0),
]

# A CRM customer list: UTF-8 with a byte-order mark, English headers, tiers as the UI names them.
CRM_CUSTOMERS = crlf(
    "Customer Code,Company Name,Level,Status,Region,Credit Limit,Payment Terms,Date Created\n"
    "00042,北辰新材,重要客户,active,North,\"500,000\",60,2025-11-03\n"
    "00043,天府电子,Ordinary,Active,West,0,30,2025-12-01\n"
    "00044,燕山化工,potential,active,North,,,\n"
).encode("utf-8-sig")

# A European CRM's visit log: semicolons, dates day first, methods as words.
SEMICOLON_VISITS = (
    "Visit ID;Customer ID;Visit date;Method;Satisfaction;Discussed\n"
    "V1;00017;25/03/2026;In person;5;\"Annual contract; price\"\n"
    "V2;00023;05/03/2026;电话;4;Delivery delays\n"
).encode("utf-8")

# Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated.
UTF16_SALES = crlf(
    "订单号\t客户编号\t日期\t金额\n"
    "U-1\t00017\t2026-04-01\t100\n"
    "U-2\tC105\t2026-04-02\t250.5\n"
).encode("utf-16")

# Every way a line goes wrong; the comments give each line's number in the file.
BROKEN_SALES = (
    "订单号,客户编号,订单日期,金额\n"          # 1
    "B-1,00017,2026-03-01,100\n"              # 2 good
    "B-2,00017,2026-02-30,100\n"              # 3 no such day
    "B-3,00017,2026-03-03,一百\n"             # 4 not a number
    "B-4,C999,2026-03-04,100\n"               # 5 unknown customer
    "B-5,00017\n"                             # 6 a broken line: too few values
    "B-6,00017,2026-03-06,100,oops\n"         # 7 a value after the last column
    "B-7,00017,2026-03-07,\n"                 # 8 amount missing
    'B-8,00017,2026-03-08,"100\n"\n'           # 9-10 one record on two lines, good (an id is one line)
    "B-9,,2026-03-09,100\n"                   # 11 customer missing
    "B-10,00023,2026-03-10,100\n"             # 12 the same order id ...
    "B-10,00023,2026-03-11,200\n"             # 13 ... twice
    "\n"                                      # 14 blank: skipped
    "B-11,00023,2026-03-12,100\n"             # 15 good
).encode("utf-8")
BROKEN_PROBLEMS = {  # line -> codes
    3: {"not_date"}, 4: {"not_number"}, 5: {"unknown_customer"}, 6: {"short_row", "required"},
    7: {"long_row"}, 8: {"required"}, 11: {"required"}, 12: {"duplicate_key"}, 13: {"duplicate_key"},
}
BROKEN_GOOD_ORDERS = ["B-1", "B-8", "B-11"]

# A shop's till export without order ids: two identical lines are two sales.
REPEATED_SALES = (
    "客户编号,日期,产品,金额\n"
    "00017,2026-05-01,咖啡,30\n"
    "00017,2026-05-01,咖啡,30\n"
    "00023,2026-05-01,茶,20\n"
).encode("utf-8")

# Dates that could be either way round, and nothing in the file to tell.
AMBIGUOUS_DATES = (
    "订单号,客户编号,日期,金额\n"
    "A-1,00017,05/03/2026,10\n"
    "A-2,00017,04/03/2026,10\n"
).encode("utf-8")

# Values that spreadsheets treat as formulas, stored as written.
FORMULA_CUSTOMERS = (
    "客户编号,客户名称,客户等级,状态,企业概况\n"
    "F1,=HYPERLINK(\"http://x\"),ordinary,active,+86 21 5555\n"
    "F2,@SUM(A1),ordinary,active,-5% margin\n"
).encode("utf-8")


def excel_sales() -> bytes:
    """An .xlsx with a merged title row, ids kept as numbers shown with zeros, a customer cell
    merged over two orders, real date cells, a serial date typed as a number, and debris."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "3月销售"
    ws["A1"] = "2026年3月销售明细"
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["订单号", "客户编号", "订单日期", "金额", "备注"])
    ws.append(["X-1", 17, dt.datetime(2026, 3, 5), 1234.5, "首单"])
    ws.append(["X-2", None, dt.datetime(2026, 3, 6), 200, None])
    ws.append(["X-3", "C105", 46094, "(75)", None])
    ws.merge_cells("B4:B5")
    ws.cell(4, 2).number_format = "00000"
    ws.cell(4, 8).number_format = "0.00"  # a formatted but empty cell far to the right
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


EXCEL_ROWS = [  # (sheet row, order_id, customer_id, date, amount)
    (4, "X-1", "00017", dt.date(2026, 3, 5), 1234.5),
    (5, "X-2", "00017", dt.date(2026, 3, 6), 200.0),
    (6, "X-3", "C105", dt.date(2026, 3, 13), -75.0),
]
