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
}
