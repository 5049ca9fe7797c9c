"""How people write the values of a column with a list, declared once beside the schema.

A file from an ERP or a colleague's spreadsheet names a tier 重要 or VIP, a visit
method 拜访, a status 活跃; the store keeps the code (important, in_person, active).
A value is read as a code when it is the code itself, its name as the app shows it
(the catalogue's `column.code`, Chinese and English), or one of the common
synonyms below. The caller compares them case- and width-insensitively (NFKC).
The editable lists (complaint categories, churn reasons) are named the same way:
their codes come from the stored list, their names from the catalogue.
"""
from __future__ import annotations

from kam.i18n import TEXT

# column -> code -> what people also write for it (beyond the code and the app's names)
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "tier": {
        "important": ("重要", "重点客户", "大客户", "关键客户", "VIP", "key", "key account", "strategic"),
        "ordinary": ("普通", "一般", "一般客户", "normal", "regular", "standard"),
        "potential": ("潜在", "意向客户", "prospect", "lead"),
    },
    "status": {
        "active": ("活跃", "正常客户", "有效", "在用", "合作中", "active customer"),
        "churned": ("流失", "已流失客户", "流失客户", "lost", "inactive", "停止合作"),
        "planned": ("计划", "计划中", "待执行", "待回访", "scheduled"),
        "done": ("完成", "已执行", "已回访", "completed", "finished"),
        "cancelled": ("取消", "作废", "canceled"),
        "open": ("未处理", "新建", "new"),
        "in_progress": ("进行中", "跟进中"),
        "resolved": ("解决", "已处理"),
        "closed": ("关闭", "结案", "已结案"),
    },
    "method": {
        "phone": ("致电", "电话回访", "电话拜访", "打电话", "tel", "call", "telephone"),
        "email": ("邮件", "邮箱", "电邮", "mail", "e-mail"),
        "in_person": ("上门", "拜访", "面访", "面谈", "当面", "现场", "visit", "on site", "onsite", "face to face"),
        "video": ("视频会议", "视频通话", "video call", "online meeting"),
        "other": ("其它",),
    },
    "occasion": {
        "periodic": ("定期", "例行", "例行回访", "regular", "routine"),
        "after_transaction": ("交易后", "售后", "售后回访", "after sale"),
        "holiday": ("节日", "节假日", "节日问候"),
        "complaint_followup": ("抱怨", "投诉跟进", "投诉回访", "complaint"),
        "other": ("其它",),
    },
    "size": {
        "large": ("大", "大型企业", "big"),
        "medium": ("中", "中型企业", "mid"),
        "small": ("小", "小型企业", "小微"),
    },
    "role": {
        "decision_maker": ("决策者", "老板", "负责人", "decision maker"),
        "buyer": ("采购员", "采购经理", "purchaser", "purchasing"),
        "handler": ("经办", "对接人"),
        "user": ("使用者", "用户"),
        "other": ("其它",),
    },
    "severity": {
        "low": ("轻微", "一般"),
        "medium": ("中等",),
        "high": ("严重程度高",),
        "critical": ("非常严重", "紧急"),
    },
    "deal_stage": {
        "none": ("无",),
        "won": ("成交", "赢单"),
        "lost": ("丢单", "失败"),
        "negotiation": ("谈判",),
        "proposal": ("报价", "方案"),
    },
    "category": {
        "product": ("产品问题", "质量问题", "质量"),
        "service": ("服务问题",),
        "delivery": ("交货", "物流", "配送"),
        "billing": ("账务", "价格", "发票"),
        "other": ("其它",),
    },
    "reason": {
        "price": ("价格太高", "价格高"),
        "competitor": ("竞品", "被竞争对手抢走"),
        "business_changed": ("停业", "倒闭", "业务变化"),
        "contact_left": ("联系人离职",),
        "other": ("其它",),
    },
}


def spellings(column: str, codes) -> dict[str, str]:
    """Every way a code of this column may be written (as given, not yet compared) -> the code.
    A code and the app's names come before the synonyms, and an earlier code before a later one."""
    names: dict[str, str] = {}
    for code in codes:
        for name in (code, code.replace("_", " "), *TEXT.get(f"{column}.{code}", ())):
            names.setdefault(name, code)
    for code in codes:
        for name in SYNONYMS.get(column, {}).get(code, ()):
            names.setdefault(name, code)
    return names
