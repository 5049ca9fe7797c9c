"""The one catalogue of UI text, in Chinese and English.

Every string a page shows comes from here through `translator(lang)`. Column
labels and the names of allowed values are declared with the schema and joined
in below, so a label is written once. A missing key raises, so a page can never
show a raw key.
"""
from __future__ import annotations

from kam.schema import TABLES

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

TEXT: dict[str, tuple[str, str]] = {
    # the frame
    "app.title": ("大客户管理", "Key Account Management"),
    "app.tagline": ("识别、维护并留住贡献最大利润的客户", "Find, serve and keep the customers who bring most of the profit"),
    "nav.dashboards": ("看板", "Dashboards"),
    "nav.records": ("记录", "Records"),
    "nav.data": ("数据", "Data"),
    "page.overview": ("总览", "Overview"),
    "page.abc": ("ABC 分析", "ABC analysis"),
    "page.accounts": ("客户档案", "Accounts"),
    "page.data": ("数据管理", "Data store"),
    "sidebar.language": ("语言 / Language", "语言 / Language"),
    "sidebar.user": ("当前用户", "Your name"),
    "sidebar.user_help": ("写入的记录会记下这个名字", "Records you write are stamped with this name"),
    "sidebar.filters": ("筛选", "Filters"),
    "sidebar.period": ("期间", "Period"),
    "sidebar.start": ("开始日期", "Start"),
    "sidebar.end": ("结束日期", "End"),
    "sidebar.region": ("区域", "Region"),
    "sidebar.manager": ("客户经理", "Account manager"),
    "sidebar.tier": ("客户等级", "Tier"),
    "sidebar.all": ("全部", "All"),
    "sidebar.share_hint": ("此页面的网址包含全部筛选条件, 可收藏或分享。",
                           "This page's address holds every filter: bookmark or share it."),
    "period.this_month": ("本月", "This month"),
    "period.last_month": ("上月", "Last month"),
    "period.this_quarter": ("本季度", "This quarter"),
    "period.last_quarter": ("上季度", "Last quarter"),
    "period.year_to_date": ("今年至今", "Year to date"),
    "period.last_12_months": ("最近12个月", "Last 12 months"),
    "period.last_year": ("去年", "Last year"),
    "period.custom": ("自定义", "Custom"),
    "filter.sentence": ("显示{parts}。", "Showing {parts}."),
    "filter.joiner": ("; ", "; "),
    "filter.period_is": ("{start} 至 {end} 的数据", "data from {start} to {end}"),
    "filter.regions_are": ("区域为 {values}", "region {values}"),
    "filter.managers_are": ("客户经理为 {values}", "account manager {values}"),
    "filter.tiers_are": ("客户等级为 {values}", "tier {values}"),
    "filter.compared_with": ("对比上一期 {start} 至 {end}", "compared with {start} to {end}"),
    # empty store and data outside the period
    "empty.title": ("还没有数据", "No data yet"),
    "empty.body": ("载入示例数据先看看效果, 或导入你自己的客户和销售数据。",
                   "Load the demo data to look around, or import your own customers and sales."),
    "empty.load_demo": ("载入示例数据", "Load demo data"),
    "empty.import_own": ("导入自己的数据", "Import your own"),
    "empty.import_cli": ("用命令行导入: python -m kam import sales 文件.csv (导入页面即将上线)",
                         "Import from the command line: python -m kam import sales file.csv (the import page is coming)"),
    "empty.loading": ("正在生成示例数据…", "Generating demo data…"),
    "empty.loaded": ("已载入示例数据: {rows} 条记录", "Demo data loaded: {rows} records"),
    "outside.warning": ("所选期间 {start} 至 {end} 没有销售数据; 已有数据的范围是 {first} 至 {last}。",
                        "There are no sales from {start} to {end}; the stored data run from {first} to {last}."),
    "outside.use_range": ("改为查看 {first} 至 {last}", "Show {first} to {last} instead"),
    # overview
    "overview.title": ("总览", "Overview"),
    "overview.trend": ("月度趋势", "Monthly trend"),
    "overview.this_period": ("本期", "This period"),
    "overview.previous_period": ("上一期", "Previous period"),
    "overview.month": ("月份", "Month"),
    "kpi.revenue": ("销售收入", "Revenue"),
    "kpi.profit": ("利润", "Profit"),
    "kpi.active_customers": ("活跃客户", "Active customers"),
    "kpi.a_accounts": ("A 类客户数", "A accounts"),
    "kpi.a_share": ("A 类客户收入占比", "A accounts' share of revenue"),
    "kpi.no_previous": ("上一期无数据", "no data before"),
    # ABC
    "abc.title": ("ABC 分析", "ABC analysis"),
    "abc.measure": ("分析指标", "Measure"),
    "abc.measure.revenue": ("销售收入", "Revenue"),
    "abc.measure.profit": ("利润", "Profit"),
    "abc.measure_word.revenue": ("销售收入", "revenue"),
    "abc.measure_word.profit": ("利润", "profit"),
    "abc.cut_a": ("A 类累计占比上限 (%)", "A class up to cumulative (%)"),
    "abc.cut_b": ("B 类累计占比上限 (%)", "B class up to cumulative (%)"),
    "abc.bad_cuts": ("A 类上限必须小于 B 类上限。", "The A cut must be below the B cut."),
    "abc.headline": ("{customers:.0%} 的客户 (A 类 {count} 家) 带来了 {value:.0%} 的{measure}",
                     "{customers:.0%} of customers ({count} A accounts) bring {value:.0%} of {measure}"),
    "abc.rule": ("规则: 按{measure}从高到低排序, 相同时按客户编号; 累计占比包含该客户本身; 累计占比越过分界线的客户归入较高的一类, 因此排名第一的客户总是 A 类; "
                 "{measure}为 0 或负数的客户归入 C 类, 不计入总额。A 类至 {a:.0%}, B 类至 {b:.0%}, 其余为 C 类。",
                 "Rule: customers are ranked by {measure}, highest first, ties by customer ID; a customer's cumulative share includes itself; "
                 "the customer whose cumulative share crosses a cut belongs to the higher class, so the top customer is always A; "
                 "customers with {measure} of 0 or below are C and do not enter the total. A up to {a:.0%}, B up to {b:.0%}, C the rest."),
    "abc.chart": ("帕累托图", "Pareto chart"),
    "abc.summary": ("各类汇总", "Summary by class"),
    "abc.table": ("ABC 分析表", "ABC table"),
    "abc.search": ("搜索客户", "Search customers"),
    "abc.download": ("下载 CSV", "Download CSV"),
    "abc.migration": ("客户类别变动 (上一期 → 本期)", "Class migration (previous period → this period)"),
    "abc.migration_help": ("行是上一期的类别, 列是本期的类别; 括号中是本期金额 (流失客户为上一期金额)。",
                           "Rows are last period's class, columns this period's; in brackets the value this period (for lost customers, before)."),
    "abc.fell_from_a": ("从 A 类掉落的客户", "Accounts that fell from A"),
    "abc.fell_from_a_help": ("交易额明显变化时须记录原因 (档案卡规则)。", "A marked change in trade needs a recorded reason (account file rule)."),
    "abc.none_fell": ("本期没有客户从 A 类掉落。", "No account fell from A this period."),
    "abc.no_sales": ("所选期间和筛选条件下没有销售记录。", "No sales for this period and these filters."),
    "abc.cumulative": ("累计占比", "Cumulative share"),
    "abc.cut_line": ("{cls} 类分界 {cut:.0%}", "{cls} cut {cut:.0%}"),
    "abc.customers_col": ("客户数", "Customers"),
    "abc.customer_share_col": ("客户占比", "Share of customers"),
    "abc.value_share_col": ("金额占比", "Share of value"),
    "abc.from": ("上一期", "Before"),
    "abc.to": ("本期", "Now"),
    "abc.class.new": ("新增", "New"),
    "abc.class.lost": ("流失", "Lost"),
    "abc.class.A": ("A", "A"),
    "abc.class.B": ("B", "B"),
    "abc.class.C": ("C", "C"),
    # table columns shown on pages (beyond stored columns)
    "col.rank": ("排名", "Rank"),
    "col.customer": ("客户", "Customer"),
    "col.customer_name": ("客户名称", "Customer name"),
    "col.value": ("金额", "Value"),
    "col.share": ("占比", "Share"),
    "col.cumulative_share": ("累计占比", "Cumulative share"),
    "col.abc_class": ("ABC 类别", "ABC class"),
    "col.value_before": ("上一期金额", "Value before"),
    "col.value_now": ("本期金额", "Value now"),
    "col.change": ("变化", "Change"),
    "col.class_now": ("本期类别", "Class now"),
    "col.table": ("表", "Table"),
    "col.open_amount": ("未收金额", "Open amount"),
    "col.days_overdue": ("逾期天数", "Days overdue"),
    "col.month": ("月份", "Month"),
    "col.rows": ("记录数", "Rows"),
    "col.version": ("版本", "Version"),
    # data page
    "data.title": ("数据管理", "Data store"),
    "data.where": ("数据目录: {path}", "Data folder: {path}"),
    "data.tables": ("数据表", "Tables"),
    "data.history": ("写入历史", "Write history"),
    "data.history_table": ("选择数据表", "Table"),
    "data.when": ("时间", "When"),
    "data.operation": ("操作", "Operation"),
    "data.user": ("用户", "User"),
    # accounts page
    "accounts.title": ("客户档案", "Accounts"),
    "accounts.search": ("按编号或名称搜索", "Search by ID or name"),
    "accounts.pick": ("选择客户", "Choose an account"),
    "accounts.profile": ("基本资料", "Profile"),
    "accounts.contacts": ("联系人", "Contacts"),
    "accounts.trade": ("交易变化 (按月)", "Trade by month"),
    "accounts.receivables": ("应收账款", "Receivables"),
    "accounts.overdue": ("逾期未收: {amount:,.0f}", "Overdue and unpaid: {amount:,.0f}"),
    "accounts.changes": ("变更历史", "Change history"),
    "accounts.visits": ("拜访记录", "Visits"),
    "accounts.none": ("没有找到客户。", "No account found."),
    "common.none": ("无", "none"),
    "common.true": ("是", "Yes"),
    "common.false": ("否", "No"),
    # forms and the problems they report beside a field
    "form.save": ("保存", "Save"),
    "form.saved": ("已保存。", "Saved."),
    "form.not_saved": ("未保存: 有 {count} 处需要修改。", "Not saved: {count} thing(s) to fix."),
    "form.customer_search": ("查找客户 (编号或名称)", "Find a customer (ID or name)"),
    "problem.required": ("必填", "Required"),
    "problem.type": ("无法识别的值", "Not a valid value"),
    "problem.allowed": ("不在可选范围内", "Not one of the allowed values"),
    "problem.minimum": ("小于允许的最小值", "Below the allowed minimum"),
    "problem.maximum": ("大于允许的最大值", "Above the allowed maximum"),
    "problem.unknown_column": ("未知的列", "Unknown column"),
    "problem.unknown_customer": ("没有这个客户", "No such customer"),
    "problem.future_date": ("日期不能晚于今天", "The date cannot be after today"),
    "problem.past_date": ("日期不能早于今天", "The date cannot be before today"),
    "common.download_csv": ("下载 CSV", "Download CSV"),
}

# Labels declared with the schema, and the names of allowed values.
for _t in TABLES.values():
    TEXT[f"table.{_t.name}"] = (_t.zh, _t.en)
    for _c in _t.all_columns:
        TEXT.setdefault(f"col.{_c.name}", (_c.zh, _c.en))
        TEXT[f"col.{_t.name}.{_c.name}"] = (_c.zh, _c.en)

VALUE_NAMES: dict[str, tuple[str, str]] = {
    "tier.important": ("重要客户", "Important"),
    "tier.ordinary": ("普通客户", "Ordinary"),
    "tier.potential": ("潜在客户", "Potential"),
    "status.active": ("正常", "Active"),
    "status.churned": ("已流失", "Churned"),
    "size.large": ("大型", "Large"),
    "size.medium": ("中型", "Medium"),
    "size.small": ("小型", "Small"),
    "role.decision_maker": ("决策人", "Decision maker"),
    "role.buyer": ("采购", "Buyer"),
    "role.handler": ("经办人", "Handler"),
    "role.user": ("使用人", "User"),
    "role.other": ("其他", "Other"),
}
TEXT.update(VALUE_NAMES)


class MissingText(KeyError):
    pass


def translator(lang: str):
    """The catalogue function for one language: t(key, **values) -> text."""
    index = LANGUAGES.index(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)

    def t(key: str, **values) -> str:
        try:
            text = TEXT[key][index]
        except KeyError:
            raise MissingText(f"no text for {key!r}") from None
        return text.format(**values) if values else text

    t.lang = LANGUAGES[index]
    return t
