"""Real exports as they come (issue 19): values written in Chinese or as people say them,
columns our tables need that an export lacks, and a file with many bad lines of one kind.

Each file is written here byte for byte, like tests/import_corpus.py; the customers of
import_corpus.CUSTOMERS are in the store before each import.
"""
from __future__ import annotations


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


# Every list written as the people who filled the spreadsheets write it: the app's Chinese and
# English names, synonyms, any case, full-width letters. table -> (file, column -> codes stored).
LISTS_IN_WORDS = {
    "customers": (crlf(
        "客户编号,客户名称,等级,状态,规模\n"
        "W1,甲,重要,活跃,大型\n"
        "W2,乙,大客户,正常,中\n"
        "W3,丙,ＶＩＰ,Active,Small\n"
        "W4,丁,普通,已流失,小型企业\n"
        "W5,戊,潜在客户,流失,MEDIUM\n"
        "W6,己,Key Account,ACTIVE,large\n"
    ).encode("gb18030"), {
        "tier": ["important", "important", "important", "ordinary", "potential", "important"],
        "status": ["active", "active", "active", "churned", "churned", "active"],
        "size": ["large", "medium", "small", "small", "medium", "large"],
    }),
    "contacts": ((
        "联系人编号,客户编号,姓名,角色\n"
        "L1,00017,王总,决策人\n"
        "L2,00017,李工,采购\n"
        "L3,00023,张三,经办人\n"
        "L4,00023,赵四,Decision Maker\n"
        "L5,C105,钱五,其他\n"
    ).encode("utf-8"), {"role": ["decision_maker", "buyer", "handler", "decision_maker", "other"]}),
    "visits": ((
        "拜访编号,客户编号,拜访日期,拜访方式,回访类型,商谈进展\n"
        "G1,00017,2026-03-02,电话,定期回访,已成交\n"
        "G2,00017,2026-03-03,致电,节日,初步接触\n"
        "G3,00023,2026-03-04,上门,售后回访,方案报价\n"
        "G4,00023,2026-03-05,拜访,投诉跟进,无商谈\n"
        "G5,C105,2026-03-06,面访,例行,商务谈判\n"
        "G6,C105,2026-03-07,邮件,其他,未成交\n"
        "G7,00017,2026-03-08,视频,交易后回访,了解需求\n"
        "G8,00017,2026-03-09,In Person,Periodic,Won\n"
    ).encode("utf-8"), {
        "method": ["phone", "phone", "in_person", "in_person", "in_person", "email", "video", "in_person"],
        "occasion": ["periodic", "holiday", "after_transaction", "complaint_followup", "periodic", "other",
                     "after_transaction", "periodic"],
        "deal_stage": ["won", "lead", "proposal", "none", "negotiation", "lost", "needs", "won"],
    }),
    "revisit_plans": ((
        "计划编号,客户编号,计划日期,方式,状态\n"
        "Q1,00017,2030-01-10,电话,已计划\n"
        "Q2,00023,2030-01-11,上门拜访,待执行\n"
        "Q3,C105,2030-01-12,E-mail,Planned\n"
    ).encode("utf-8"), {"method": ["phone", "in_person", "email"], "status": ["planned"] * 3}),
    "complaints": ((
        "抱怨编号,客户编号,受理日期,类别,子类别,严重程度,状态\n"
        "J1,00017,2026-02-01,产品,质量缺陷,严重,待处理\n"
        "J2,00023,2026-02-02,服务,服务态度差,高,处理中\n"
        "J3,C105,2026-02-03,交付,Late delivery,低,未处理\n"
        "J4,00017,2026-02-04,账务/价格,price dispute,中,进行中\n"
    ).encode("utf-8"), {
        "category": ["product", "service", "delivery", "billing"],
        "subcategory": ["quality_defect", "poor_attitude", "late_delivery", "price_dispute"],
        "severity": ["critical", "high", "low", "medium"],
        "status": ["open", "in_progress", "open", "in_progress"],
    }),
    "retention_actions": ((
        "行动编号,客户编号,挽留措施,负责人,完成期限,状态\n"
        "M1,00017,总经理拜访,王,2030-02-01,已计划\n"
        "M2,00023,价格优惠,李,2030-02-02,进行中\n"
    ).encode("utf-8"), {"status": ["planned", "in_progress"]}),
}

# A customer export from a Chinese ERP: our own columns only, no tier and no status.
ERP_CUSTOMERS = crlf(
    "客户编号,客户名称,区域,行业,客户经理\n"
    "E001,华北重工,华北,机械,王磊\n"
    "E002,江南纺织,华东,纺织,李娜\n"
    "E003,岭南电器,华南,电子,王磊\n"
).encode("gb18030")


def many_bad_sales() -> bytes:
    """A till export (no order ids) of 1,204 lines: the amount of the first 1,000 is 待定 (to be
    settled), 200 are good, and the last 3 repeat earlier good lines exactly."""
    lines = ["客户编号,日期,产品,金额"]
    lines += [f"00017,2026-03-01,P{i},待定" for i in range(1000)]
    lines += [f"00023,2026-03-02,Q{i},{i + 1}" for i in range(200)]
    lines += lines[-3:]
    return crlf("\n".join(lines) + "\n").encode("gb18030")


MANY_BAD_SALES_SAID = [  # what the command line says of it, after the note on how it was read
    "sales.csv: 金额 → amount: 1,000 lines: not a number: "
    "lines 2 ('待定'), 3 ('待定'), 4 ('待定'), 5 ('待定'), 6 ('待定'), …",
    "sales.csv: warning: 3 lines repeat an earlier line (imported too): lines 1202, 1203, 1204",
    "1,000 problem(s); nothing was written.",
]

# A visit log from a CRM: the first visit fulfils the open plan P-OPEN and asks for a visit in
# 2030; the second's next visit has passed already (history: kept on the visit, no plan).
VISITS_WITH_PLANS = (
    "拜访编号,客户编号,拜访日期,拜访方式,回访计划,下次拜访日期,下次拜访目的,拜访人\n"
    "H1,00017,2026-03-02,上门,P-OPEN,2030-01-15,续签合同,王磊\n"
    "H2,00023,2026-03-03,电话,,2026-03-20,,李娜\n"
).encode("utf-8")
OPEN_PLAN = {"plan_id": "P-OPEN", "customer_id": "00017", "planned_date": "2026-03-01", "method": "in_person",
             "status": "planned"}
