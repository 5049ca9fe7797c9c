"""Files made to attack the reader: shared by the hostile-input tests and bench/refused_upload.py."""
from __future__ import annotations

import io
import zipfile


def inflating_xlsx(megabytes: int, level: int = 1) -> bytes:
    """A workbook of a few hundred KB (a few KB at level 9) whose one cell unpacks to `megabytes` MB:
    a decompression bomb."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["客户编号", "客户名称"])
    plain, out = io.BytesIO(), io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dst:
        for entry in src.infolist():
            if entry.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(entry, src.read(entry))
                continue
            head, tail = src.read(entry).split(b"</sheetData>")
            with dst.open(entry.filename, "w", force_zip64=True) as sheet:
                sheet.write(head + b'<row r="2"><c r="A2" t="inlineStr"><is><t>')
                block = b"A" * (16 << 20)
                for _ in range(megabytes // 16):
                    sheet.write(block)
                sheet.write(b"</t></is></c></row></sheetData>" + tail)
    return out.getvalue()
