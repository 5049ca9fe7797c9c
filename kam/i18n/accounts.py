"""The account file (档案卡) page."""

TEXT: dict[str, tuple[str, str]] = {
    # accounts page
    "accounts.title": ("客户档案", "Accounts"),
    "accounts.search": ("按编号或名称搜索", "Search by ID or name"),
    "accounts.pick": ("选择客户", "Choose an account"),
    "accounts.profile": ("基本资料", "Profile"),
    "accounts.contacts": ("联系人", "Contacts"),
    "accounts.trade": ("交易变化 (按月)", "Trade by month"),
    "accounts.receivables": ("应收账款", "Receivables"),
    "accounts.overdue": ("逾期未收: {amount}", "Overdue and unpaid: {amount}"),
    "accounts.changes": ("变更历史", "Change history"),
    "accounts.visits": ("拜访记录", "Visits"),
    "accounts.none": ("没有找到客户。", "No account found."),
    "common.none": ("无", "none"),
    "common.true": ("是", "Yes"),
    "common.false": ("否", "No"),
}
