"""Every table's columns, declared once.

The store, the query layer, the forms, the importer and the tests all read these
declarations; nothing else names a column's type or its allowed values.
"""
from __future__ import annotations

from dataclasses import dataclass, field

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

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    key: str | None = None
    date_column: str | None = None

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
COMPLAINT_CATEGORIES = ("product", "service", "delivery", "billing", "other")
COMPLAINT_SEVERITIES = ("low", "medium", "high", "critical")
COMPLAINT_STATUSES = ("open", "in_progress", "resolved", "closed")
CHURN_REASONS = (
    "product_quality", "service_level", "price", "competitor",
    "business_changed", "contact_left", "other",
)


def _c(name, type_, zh, en, **kw) -> Column:
    return Column(name, type_, zh, en, **kw)


CUSTOMER = _c("customer_id", "text", "客户编号", "Customer ID", required=True)

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("customers", "客户", "Customers", (
        _c("customer_id", "text", "客户编号", "Customer ID", required=True),
        _c("name", "text", "客户名称", "Customer name", required=True),
        _c("industry", "text", "行业", "Industry"),
        _c("region", "text", "区域", "Region"),
        _c("size", "text", "规模", "Size", allowed=SIZES),
        _c("tier", "text", "客户等级", "Tier", required=True, allowed=TIERS),
        _c("account_manager", "text", "客户经理", "Account manager"),
        _c("credit_limit", "float", "信用额度", "Credit limit", minimum=0),
        _c("payment_terms_days", "int", "账期(天)", "Payment terms (days)", minimum=0),
        _c("status", "text", "状态", "Status", required=True, allowed=CUSTOMER_STATUSES),
        _c("created", "date", "建档日期", "Created"),
        _c("profile", "text", "企业概况", "Company profile"),
    ), key="customer_id", date_column="created"),
    Table("contacts", "联系人", "Contacts", (
        _c("contact_id", "text", "联系人编号", "Contact ID", required=True),
        CUSTOMER,
        _c("name", "text", "姓名", "Name", required=True),
        _c("role", "text", "角色", "Role", allowed=CONTACT_ROLES),
        _c("title", "text", "职务", "Job title"),
        _c("phone", "text", "电话", "Phone"),
        _c("email", "text", "电子邮件", "E-mail"),
        _c("birthday", "date", "生日", "Birthday"),
        _c("interests", "text", "兴趣爱好", "Interests"),
    ), key="contact_id"),
    Table("sales", "销售", "Sales", (
        _c("order_id", "text", "订单号", "Order ID"),
        CUSTOMER,
        _c("date", "date", "日期", "Date", required=True),
        _c("product", "text", "产品", "Product"),
        _c("quantity", "float", "数量", "Quantity"),
        _c("amount", "float", "金额", "Amount", required=True),
        _c("cost", "float", "成本", "Cost"),
        _c("profit", "float", "利润", "Profit"),
    ), key="order_id", date_column="date"),
    Table("payments", "收款", "Payments", (
        _c("invoice_id", "text", "发票号", "Invoice", required=True),
        CUSTOMER,
        _c("invoice_date", "date", "开票日期", "Invoice date", required=True),
        _c("amount", "float", "应收金额", "Amount due", required=True),
        _c("due_date", "date", "到期日", "Due date", required=True),
        _c("paid_date", "date", "收款日期", "Paid date"),
        _c("paid_amount", "float", "已收金额", "Amount paid", minimum=0),
    ), key="invoice_id", date_column="invoice_date"),
    Table("visits", "拜访记录", "Visits", (
        _c("visit_id", "text", "拜访编号", "Visit ID", required=True),
        CUSTOMER,
        _c("date", "date", "拜访日期", "Visit date", required=True),
        _c("method", "text", "方式", "Method", required=True, allowed=VISIT_METHODS),
        _c("occasion", "text", "场合", "Occasion", allowed=VISIT_OCCASIONS),
        _c("received_by", "text", "接待人", "Received by"),
        _c("visited_by", "text", "拜访人", "Visited by"),
        _c("discussed", "text", "会谈内容", "Discussed"),
        _c("deal_stage", "text", "商谈进展", "Deal stage", allowed=DEAL_STAGES),
        _c("progress", "text", "进展说明", "Progress notes"),
        _c("satisfaction", "int", "满意度", "Satisfaction", minimum=1, maximum=5),
        _c("next_visit_date", "date", "预定下次拜访", "Next visit"),
        _c("next_visit_purpose", "text", "下次拜访目的", "Next visit purpose"),
        _c("plan_id", "text", "回访计划", "Revisit plan"),
    ), key="visit_id", date_column="date"),
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
    ), key="plan_id", date_column="planned_date"),
    Table("complaints", "客户抱怨", "Complaints", (
        _c("complaint_id", "text", "抱怨编号", "Complaint ID", required=True),
        CUSTOMER,
        _c("received", "date", "受理日期", "Received", required=True),
        _c("channel", "text", "渠道", "Channel"),
        _c("category", "text", "类别", "Category", required=True, allowed=COMPLAINT_CATEGORIES),
        _c("subcategory", "text", "子类别", "Sub-category"),
        _c("severity", "text", "严重程度", "Severity", allowed=COMPLAINT_SEVERITIES),
        _c("description", "text", "描述", "Description"),
        _c("owner", "text", "负责人", "Owner"),
        _c("status", "text", "状态", "Status", required=True, allowed=COMPLAINT_STATUSES),
        _c("cause", "text", "原因", "Cause"),
        _c("resolution", "text", "处理结果", "Resolution"),
        _c("resolved_date", "date", "解决日期", "Resolved on"),
        _c("satisfied", "bool", "客户满意", "Customer satisfied"),
    ), key="complaint_id", date_column="received"),
    Table("churns", "客户流失", "Churns", (
        _c("churn_id", "text", "流失编号", "Churn ID", required=True),
        CUSTOMER,
        _c("churn_date", "date", "流失日期", "Churn date", required=True),
        _c("reason", "text", "流失原因", "Reason", required=True, allowed=CHURN_REASONS),
        _c("note", "text", "说明", "Note"),
        _c("lost_revenue", "float", "流失收入", "Lost revenue"),
        _c("reactivated_date", "date", "重新激活日期", "Reactivated on"),
    ), key="churn_id", date_column="churn_date"),
    Table("profile_changes", "档案变更", "Profile changes", (
        _c("change_id", "text", "变更编号", "Change ID", required=True),
        CUSTOMER,
        _c("changed_on", "date", "变更日期", "Changed on", required=True),
        _c("field", "text", "字段", "Field", required=True),
        _c("old_value", "text", "原值", "Old value"),
        _c("new_value", "text", "新值", "New value"),
        _c("reason", "text", "原因", "Reason", required=True),
    ), key="change_id", date_column="changed_on"),
    # Editable settings (revisit policy, editable lists, score weights), one JSON value per key.
    Table("settings", "设置", "Settings", (
        _c("key", "text", "设置项", "Setting", required=True),
        _c("value", "text", "值 (JSON)", "Value (JSON)", required=True),
    ), key="key"),
)}


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; tables are: {', '.join(TABLES)}") from None
