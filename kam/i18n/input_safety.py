"""Text for broken and hostile input: values out of range, unreadable files, damaged stores."""

TEXT = {
    "problem.out_of_range": ("超出可存储的范围", "Outside the range a record may hold"),
    "import.problem.out_of_range": ("超出可存储的范围 ({detail})", "outside the range a record may hold ({detail})"),
    "problem.not_one_line": ("编号只能是一行可打印的文字 (不能含换行或控制字符)",
                             "An id is one line of printable text (no line breaks or control characters)"),
    "import.problem.not_one_line": ("编号只能是一行可打印的文字 (不能含换行或控制字符)",
                                    "an id is one line of printable text (no line breaks or control characters)"),
    "import.read_error.mixed_encoding": (
        "文件混用了编码: 第 {detail} 行与其余各行的编码不同, 按任何一种编码读取都会有行变成乱码; 请统一另存为 UTF-8 后再导入",
        "the file mixes encodings: line(s) {detail} are not in the encoding of the other lines, so reading it in "
        "either would garble some lines; save it again as UTF-8 throughout and import that"),
    "import.read_error.duplicate_header": ("两列的表头相同: {detail}; 请改名或删除其中一列",
                                           "two columns have the same header: {detail}; rename or remove one"),
    "import.read_error.line_too_long": ("一行超过 {detail} 个字符, 不是真实导出的数据",
                                        "a line longer than {detail} characters, which no real export has"),
    "import.read_error.value_too_long": ("一个值超过 {detail} 字节, 不是真实导出的数据",
                                         "a value longer than {detail} bytes, which no real export has"),
    "import.read_error.record_too_long": ("一条记录超过 {detail}, 不是真实导出的数据",
                                          "a record longer than {detail}, which no real export has"),
    "import.read_error.xlsx_too_large": ("Excel 文件解压后过大 ({detail}); 请另存为 CSV 后导入",
                                         "the Excel file is too large unpacked ({detail}); save it as CSV and import that"),
    "import.read_error.xlsx_too_many_cells": ("Excel 文件的单元格过多 ({detail}); 请另存为 CSV 后导入",
                                              "the Excel file has too many cells ({detail}); save it as CSV and import that"),
    "import.unreadable_at": ("无法读取文件「{file}」, 第 {line} 行: {message}",
                             "“{file}” cannot be read, line {line}: {message}"),
    "url.ignored": ("地址中无法使用的部分已忽略: {what}", "Ignored in the address, as it cannot be used: {what}"),
    "app.store_problem": ("无法使用数据: {what}", "The data cannot be used: {what}"),
    "app.unexpected": ("出错了, 页面无法显示。请把错误编号 {id} 告诉管理员 (详情已记录在服务器日志中)。",
                       "Something went wrong and the page cannot be shown. Please give the administrator "
                       "the error id {id} (the details are in the server's log)."),
}
