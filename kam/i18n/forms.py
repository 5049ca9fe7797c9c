"""Forms, the problems they report beside a field, and text every page shares."""

TEXT: dict[str, tuple[str, str]] = {
    # forms and the problems they report beside a field
    "form.save": ("保存", "Save"),
    "form.choose": ("请选择", "Choose"),
    "form.saved": ("已保存。", "Saved."),
    "form.not_saved": ("未保存: 有 {count} 处需要修改。", {"one": "Not saved: {count} thing to fix.", "other": "Not saved: {count} things to fix."}),
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
    "common.first_rows": ("显示前 {shown:,} 行，共 {total:,} 行；下载 CSV 可得全部。",
                          "Showing the first {shown:,} of {total:,} rows; the CSV download has them all."),
}
