"""The text of write guarantees: an import that met a change since its check, an undo refused."""
TEXT: dict[str, tuple[str, str]] = {
    "import.conflict.already_imported": ("文件 {file} 在检查期间已被导入 (导入 {import_id}), 未写入任何数据。",
                                         "{file} was imported meanwhile (import {import_id}); nothing was written."),
    "import.conflict.changed": ("检查之后「{table}」中有记录被删除或撤销, 未写入任何数据。请重新检查文件。",
                                "Records were removed from {table} after the check; nothing was written. "
                                "Check the file again."),
    "import.conflict.stored_meanwhile": ("检查之后, 另一次导入已写入文件中的 {count} 个编号 (第一个: {first}), "
                                         "未写入任何数据。请重新检查文件。",
                                         "Another import stored {count} of the file's keys after the check "
                                         "(the first: {first}); nothing was written. Check the file again."),
    "import.conflict.file_changed": ("文件 {file} 在检查之后被修改, 未写入任何数据。请重新检查。",
                                     "{file} changed after it was checked; nothing was written. Check it again."),
    "import.read_error.changed": ("文件在读取期间被修改", "the file changed while it was read"),
    "import.undo_refused.named": ("无法撤销导入 {import_id}: 它新建的客户被「{table}」中 {rows} 条之后的记录引用 "
                                  "(批次 {batches})。",
                                  "Import {import_id} cannot be undone: {rows} later record(s) in {table} name "
                                  "customers it created (batches {batches})."),
    "import.undo_refused.unknown": ("没有可撤销的导入 {import_id}。", "There is no import {import_id} in force to undo."),
}
