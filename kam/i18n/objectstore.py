"""The text of a store on object storage shared by several servers: a write that met another server's change."""
TEXT: dict[str, tuple[str, str]] = {
    "problem.changed_meanwhile": ("保存期间另一位用户修改了相关记录, 未保存任何内容。请刷新后再试一次",
                                  "someone else changed these records while saving; nothing was saved. "
                                  "Reload and try again"),
}
