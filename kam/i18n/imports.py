"""Text of the importer's defaults, constants and grouped problem reports (issue 19)."""

TEXT: dict[str, tuple[str, str]] = {
    "import.note.default": ("文件中没有「{column}」列: 每行取默认值 {value}。",
                            "The file has no “{column}” column: every line takes the default {value}."),
    "import.note.constant": ("文件中没有「{column}」列: 每行取指定的值 {value}。",
                             "The file has no “{column}” column: every line takes the value given, {value}."),
    "import.problem.constant_mapped": ("这一列已对应到文件中的列, 不能再指定固定值",
                                       "this column is mapped to a column of the file, so it takes no constant"),
    "import.constants": ("文件中没有的列", "Columns the file lacks"),
    "import.constants_help": ("为文件中没有的列指定一个值, 每行都取这个值; 留空则不填。",
                              "Give a column the file lacks one value for every line; leave it blank to leave it empty."),
}
