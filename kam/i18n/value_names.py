"""The names of allowed values that the schema's tables share."""

TEXT: dict[str, tuple[str, str]] = {
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
