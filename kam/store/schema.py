"""Every table's columns, declared once.

The store, the query layer, the forms, the importer and the tests all read these
declarations; nothing else names a column's type or its allowed values.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa

ARROW_TYPES = {
    "text": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}

DUCKDB_TYPES = {
    "text": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMPTZ",
}


# What any number column may hold: finite values smaller than this in size. No amount, quantity or
# limit of a real account comes near it; an overflow (1e309 read as infinity) or a typo always does.
NUMBER_LIMIT = 1e12
# The days a date column may hold: a real record's dates lie well inside, and the placeholders some
# systems write for "never" (9999-12-31) or a mistyped year (1000-01-01) lie outside.
DATES = (dt.date(1900, 1, 1), dt.date(2199, 12, 31))
# What an id may not hold: it is one line of printable text (a line break in a plan's id once
# became a line of its own in a calendar file).
NOT_IN_IDS = "[\x00-\x1f\x7f-\x9f\u2028\u2029]"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    zh: str
    en: str
    required: bool = False
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    aliases: tuple[str, ...] = ()  # other headers an export may give it; the importer maps them
    default: str | None = None  # what an import puts in every row when the file has no such column

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]

    @property
    def is_id(self) -> bool:
        return self.type == "text" and self.name.endswith("_id")


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    key: str | None = None
    date_column: str | None = None
    # Records whose ids the app makes when a file or form brings none (visit logs rarely number
    # their lines); customers, orders and invoices keep the ids their own systems gave them.
    id_prefix: str | None = None
    # Records a form changes one at a time (a profile edited, a plan done, a complaint's state):
    # kept in small data files, so that an edit rewrites one of them, not the whole table.
    edited: bool = False

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + RECORD_COLUMNS

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow_type) for c in self.all_columns])


# Every stored record keeps when it was written, by whom, and in which write
# (one form save or one import is one batch; an import is undone by its batch).
RECORD_COLUMNS = (
    Column("recorded_at", "timestamp", "写入时间", "Recorded at"),
    Column("recorded_by", "text", "写入人", "Recorded by"),
    Column("batch_id", "text", "批次", "Batch"),
)

TIERS = ("important", "ordinary", "potential")
CUSTOMER_STATUSES = ("active", "churned")
SIZES = ("large", "medium", "small")
CONTACT_ROLES = ("decision_maker", "buyer", "handler", "user", "other")
VISIT_METHODS = ("phone", "email", "in_person", "video", "other")
VISIT_OCCASIONS = ("periodic", "after_transaction", "holiday", "complaint_followup", "other")
DEAL_STAGES = ("none", "lead", "needs", "proposal", "negotiation", "won", "lost")
PLAN_STATUSES = ("planned", "done", "cancelled")
COMPLAINT_SEVERITIES = ("low", "medium", "high", "critical")
COMPLAINT_STATUSES = ("open", "in_progress", "resolved", "closed")
# Complaint categories and churn reasons are editable lists, seeded and checked against the
# stored list when a record is saved (kam.complaints, kam.churn), so they have no allowed values here.
RETENTION_STATUSES = ("planned", "in_progress", "done", "cancelled")
MEETING_ACTION_STATUSES = ("open", "done", "cancelled")
ROLES = ("director", "account_manager", "analyst", "viewer", "administrator")  # see kam.access


def _c(name, type_, zh, en, **kw) -> Column:
    return Column(name, type_, zh, en, **kw)


CUSTOMER_ALIASES = ("客户代码", "客户编码", "客户号", "客户ID", "客户代号", "客户", "customer code",
                    "customer no", "customer number", "cust id", "account id", "account number")
CUSTOMER = _c("customer_id", "text", "客户编号", "Customer ID", required=True, aliases=CUSTOMER_ALIASES)

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("customers", "客户", "Customers", (
        _c("customer_id", "text", "客户编号", "Customer ID", required=True, aliases=CUSTOMER_ALIASES),
        _c("name", "text", "客户名称", "Customer name", required=True, aliases=("客户名", "客户全称", "公司名称", "企业名称", "单位名称", "名称", "company", "company name", "account name")),
        _c("industry", "text", "行业", "Industry", aliases=("所属行业", "行业类别")),
        _c("region", "text", "区域", "Region", aliases=("地区", "所属区域", "大区", "片区", "area", "territory")),
        _c("size", "text", "规模", "Size", allowed=SIZES, aliases=("企业规模", "公司规模", "company size")),
        _c("tier", "text", "客户等级", "Tier", required=True, allowed=TIERS, default="ordinary", aliases=("客户级别", "等级", "级别", "客户分类", "customer tier", "level", "grade")),
        _c("account_manager", "text", "客户经理", "Account manager", aliases=("负责人", "销售代表", "业务员", "销售员", "owner", "account owner", "sales rep", "assigned to")),
        _c("credit_limit", "float", "信用额度", "Credit limit", minimum=0, aliases=("授信额度", "credit")),
        _c("payment_terms_days", "int", "账期(天)", "Payment terms (days)", minimum=0, aliases=("账期", "账期天数", "付款期限", "信用期", "payment terms")),
        _c("status", "text", "状态", "Status", required=True, allowed=CUSTOMER_STATUSES, default="active", aliases=("客户状态",)),
        _c("created", "date", "建档日期", "Created", aliases=("创建日期", "创建时间", "建档时间", "created on", "create date", "date created")),
        _c("profile", "text", "企业概况", "Company profile", aliases=("公司简介", "企业简介", "简介", "profile", "description")),
    ), key="customer_id", date_column="created", edited=True),
    Table("contacts", "联系人", "Contacts", (
        _c("contact_id", "text", "联系人编号", "Contact ID", required=True, aliases=("联系人ID", "联系人代码")),
        CUSTOMER,
        _c("name", "text", "姓名", "Name", required=True, aliases=("联系人", "联系人姓名", "contact name", "full name")),
        _c("role", "text", "角色", "Role", allowed=CONTACT_ROLES),
        _c("title", "text", "职务", "Job title", aliases=("职位", "title", "position")),
        _c("phone", "text", "电话", "Phone", aliases=("手机", "手机号", "联系电话", "mobile", "phone number", "tel")),
        _c("email", "text", "电子邮件", "E-mail", aliases=("邮箱", "电子邮箱", "email", "email address")),
        _c("birthday", "date", "生日", "Birthday", aliases=("出生日期", "date of birth", "birth date")),
        _c("interests", "text", "兴趣爱好", "Interests", aliases=("爱好", "hobbies")),
    ), key="contact_id", id_prefix="CT", edited=True),
    Table("sales", "销售", "Sales", (
        _c("order_id", "text", "订单号", "Order ID", aliases=("订单编号", "单号", "销售单号", "单据编号", "order no", "order number", "so number")),
        CUSTOMER,
        _c("date", "date", "日期", "Date", required=True, aliases=("订单日期", "销售日期", "单据日期", "交易日期", "order date", "sale date", "sales date")),
        _c("product", "text", "产品", "Product", aliases=("产品名称", "商品", "商品名称", "品名", "物料名称", "item", "product name")),
        _c("quantity", "float", "数量", "Quantity", aliases=("销量", "销售数量", "qty")),
        _c("amount", "float", "金额", "Amount", required=True, aliases=("销售额", "销售金额", "含税金额", "价税合计", "成交金额", "revenue", "sales", "sales amount", "total")),
        _c("cost", "float", "成本", "Cost", aliases=("成本金额", "销售成本")),
        _c("profit", "float", "利润", "Profit", aliases=("毛利", "毛利额", "gross profit", "margin")),
    ), key="order_id", date_column="date"),
    Table("payments", "收款", "Payments", (
        _c("invoice_id", "text", "发票号", "Invoice", required=True, aliases=("发票号码", "发票编号", "invoice no", "invoice number", "invoice id")),
        CUSTOMER,
        _c("invoice_date", "date", "开票日期", "Invoice date", required=True, aliases=("发票日期",)),
        _c("amount", "float", "应收金额", "Amount due", required=True, aliases=("发票金额", "金额", "应收款", "amount", "invoice amount")),
        _c("due_date", "date", "到期日", "Due date", required=True, aliases=("到期日期", "应收日期", "付款到期日")),
        _c("paid_date", "date", "收款日期", "Paid date", aliases=("回款日期", "付款日期", "payment date")),
        _c("paid_amount", "float", "已收金额", "Amount paid", minimum=0, aliases=("收款金额", "回款金额", "实收金额", "paid")),
    ), key="invoice_id", date_column="invoice_date"),
    Table("visits", "拜访记录", "Visits", (
        _c("visit_id", "text", "拜访编号", "Visit ID", required=True, aliases=("回访编号", "访问编号", "拜访记录编号")),
        CUSTOMER,
        _c("date", "date", "拜访日期", "Visit date", required=True, aliases=("回访日期", "访问日期", "日期", "date")),
        _c("method", "text", "方式", "Method", required=True, allowed=VISIT_METHODS, aliases=("拜访方式", "回访方式", "访问方式")),
        _c("occasion", "text", "场合", "Occasion", allowed=VISIT_OCCASIONS, aliases=("回访类型", "拜访类型")),
        _c("received_by", "text", "接待人", "Received by"),
        _c("visited_by", "text", "拜访人", "Visited by", aliases=("回访人", "访问人")),
        _c("discussed", "text", "会谈内容", "Discussed", aliases=("拜访内容", "回访内容", "访问内容")),
        _c("deal_stage", "text", "商谈进展", "Deal stage", allowed=DEAL_STAGES, aliases=("商谈交易进展状况", "交易进展", "stage")),
        _c("progress", "text", "进展说明", "Progress notes"),
        _c("satisfaction", "int", "满意度", "Satisfaction", minimum=1, maximum=5, aliases=("客户满意度",)),
        _c("next_visit_date", "date", "预定下次拜访", "Next visit", aliases=("下次拜访时间", "下次拜访日期", "下次回访日期", "next visit date")),
        _c("next_visit_purpose", "text", "下次拜访目的", "Next visit purpose"),
        _c("plan_id", "text", "回访计划", "Revisit plan"),
    ), key="visit_id", id_prefix="V", date_column="date"),
    Table("revisit_plans", "回访计划", "Revisit plans", (
        _c("plan_id", "text", "计划编号", "Plan ID", required=True),
        CUSTOMER,
        _c("planned_date", "date", "计划日期", "Planned date", required=True),
        _c("method", "text", "方式", "Method", allowed=VISIT_METHODS),
        _c("purpose", "text", "目的", "Purpose"),
        _c("content", "text", "内容", "Content"),
        _c("owner", "text", "负责人", "Owner"),
        _c("status", "text", "状态", "Status", required=True, allowed=PLAN_STATUSES),
        _c("cancel_reason", "text", "取消原因", "Cancel reason"),
        _c("done_date", "date", "完成日期", "Done on"),
        _c("visit_id", "text", "拜访编号", "Visit ID"),
    ), key="plan_id", id_prefix="P", date_column="planned_date", edited=True),
    Table("complaints", "客户抱怨", "Complaints", (
        _c("complaint_id", "text", "抱怨编号", "Complaint ID", required=True),
        CUSTOMER,
        _c("received", "date", "受理日期", "Received", required=True, aliases=("投诉日期", "抱怨日期", "日期")),
        _c("channel", "text", "渠道", "Channel"),
        _c("category", "text", "类别", "Category", required=True),
        _c("subcategory", "text", "子类别", "Sub-category"),
        _c("severity", "text", "严重程度", "Severity", allowed=COMPLAINT_SEVERITIES),
        _c("description", "text", "描述", "Description"),
        _c("owner", "text", "负责人", "Owner"),
        _c("status", "text", "状态", "Status", required=True, allowed=COMPLAINT_STATUSES),
        _c("cause", "text", "原因", "Cause"),
        _c("resolution", "text", "处理结果", "Resolution"),
        _c("resolved_date", "date", "解决日期", "Resolved on"),
        _c("satisfied", "bool", "客户满意", "Customer satisfied"),
    ), key="complaint_id", id_prefix="K", date_column="received", edited=True),
    Table("churns", "客户流失", "Churns", (
        _c("churn_id", "text", "流失编号", "Churn ID", required=True),
        CUSTOMER,
        _c("churn_date", "date", "流失日期", "Churn date", required=True, aliases=("日期",)),
        _c("reason", "text", "流失原因", "Reason", required=True),
        _c("note", "text", "说明", "Note"),
        _c("lost_revenue", "float", "流失收入", "Lost revenue"),
        _c("reactivated_date", "date", "重新激活日期", "Reactivated on"),
    ), key="churn_id", date_column="churn_date"),
    # A customer with no purchase for a while that a person looked at and kept (not churned);
    # the dismissal covers that silence only, i.e. until the customer buys again.
    Table("churn_dismissals", "疑似流失排除", "Churn suspicions dismissed", (
        _c("dismissal_id", "text", "编号", "Dismissal ID", required=True),
        CUSTOMER,
        _c("dismissed_on", "date", "排除日期", "Dismissed on", required=True),
        _c("last_purchase", "date", "最后购买日期", "Last purchase"),
        _c("note", "text", "说明", "Note"),
    ), key="dismissal_id", date_column="dismissed_on"),
    # 挽留计划: the actions that should keep an at-risk account or win a churned one back.
    Table("retention_actions", "挽留计划", "Retention plan", (
        _c("action_id", "text", "行动编号", "Action ID", required=True),
        CUSTOMER,
        _c("action", "text", "挽留措施", "Action", required=True),
        _c("owner", "text", "负责人", "Owner", required=True),
        _c("due_date", "date", "完成期限", "Due date", required=True),
        _c("status", "text", "状态", "Status", required=True, allowed=RETENTION_STATUSES),
        _c("review_date", "date", "评估日期", "Review date"),
        _c("done_date", "date", "完成日期", "Done on"),
        _c("evaluation", "text", "评估结果", "Evaluation"),
    ), key="action_id", id_prefix="R", date_column="due_date", edited=True),
    # 例会决定: what the weekly key-account meeting decided on an account, reviewed at the next one.
    Table("meeting_actions", "例会行动", "Meeting actions", (
        _c("action_id", "text", "行动编号", "Action ID", required=True),
        CUSTOMER,
        _c("meeting_date", "date", "例会日期", "Meeting date", required=True),
        _c("action", "text", "行动", "Action", required=True),
        _c("owner", "text", "负责人", "Owner", required=True),
        _c("due_date", "date", "完成期限", "Due date", required=True),
        _c("status", "text", "状态", "Status", required=True, allowed=MEETING_ACTION_STATUSES),
        _c("done_date", "date", "完成日期", "Done on"),
    ), key="action_id", id_prefix="M", date_column="meeting_date", edited=True),
    Table("profile_changes", "档案变更", "Profile changes", (
        _c("change_id", "text", "变更编号", "Change ID", required=True),
        CUSTOMER,
        _c("changed_on", "date", "变更日期", "Changed on", required=True),
        _c("field", "text", "字段", "Field", required=True),
        _c("old_value", "text", "原值", "Old value"),
        _c("new_value", "text", "新值", "New value"),
        # required by the domain for the fields that need one (kam.accounts.profile.NEEDS_REASON)
        _c("reason", "text", "原因", "Reason"),
    ), key="change_id", date_column="changed_on"),
    # Why an account's results moved markedly in a period (kam.accounts.marked_changes), kept with
    # the figures that marked it: the textbook's 必须记录其原因.
    Table("change_reasons", "变动原因", "Reasons for marked changes", (
        _c("reason_id", "text", "编号", "Reason ID", required=True),
        CUSTOMER,
        _c("period_start", "date", "期间开始", "Period start", required=True),
        _c("period_end", "date", "期间结束", "Period end", required=True),
        _c("value_before", "float", "上期销售额", "Sales before"),
        _c("value_now", "float", "本期销售额", "Sales now"),
        _c("class_before", "text", "上期分类", "Class before"),
        _c("class_now", "text", "本期分类", "Class now"),
        _c("reason", "text", "原因", "Reason", required=True),
        _c("recorded_on", "date", "记录日期", "Recorded on", required=True),
    ), key="reason_id", date_column="recorded_on"),
    # Explore questions saved under a name and listed for everyone (kam.explore.saved): the question
    # and its filters as the query string of its address; saved again under the same name, replaced.
    Table("saved_questions", "保存的问题", "Saved questions", (
        _c("name", "text", "名称", "Name", required=True),
        _c("question", "text", "问题(网址参数)", "Question (address)", required=True),
    ), key="name"),
    # Who may sign in and as what (kam.access); edited by an administrator, never imported.
    Table("users", "用户", "Users", (
        _c("user_id", "text", "用户", "User", required=True),  # the email or subject the sign-in gives
        _c("role", "text", "角色", "Role", required=True, allowed=ROLES),
        _c("manager_name", "text", "数据中的客户经理名", "Account manager name in the data"),
        _c("active", "bool", "启用", "Active", required=True),
    ), key="user_id"),
    # Editable settings (revisit policy, editable lists, score weights), one JSON value per key.
    Table("settings", "设置", "Settings", (
        _c("key", "text", "设置项", "Setting", required=True),
        _c("value", "text", "值 (JSON)", "Value (JSON)", required=True),
    ), key="key"),
)}


# Users are not a file to import: an import must not make anyone an administrator.
IMPORTABLE = tuple(name for name in TABLES if name != "users")


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; tables are: {', '.join(TABLES)}") from None
