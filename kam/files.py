"""An analyst's file in: CSV in any common encoding, or an Excel sheet, as a grid of text.

Every record keeps the file's own line number (for Excel, the sheet's row
number), so a problem can be shown where the analyst will look for it. Title
rows and blank rows above the header are skipped, trailing empty columns
dropped, and a record with too few or too many values is kept and flagged
rather than lost.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kam.mapping import KNOWN_HEADERS, header_key

DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_ROWS = 30
BOMS = ((codecs.BOM_UTF8, "utf-8-sig", "UTF-8 (BOM)"), (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
        (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))
STRICT_TRIES = (("utf-8", "UTF-8"), ("gb18030", "GB18030"))


class ReadError(ValueError):
    """The file cannot be read at all; code names the catalogue message."""

    def __init__(self, code: str, detail: str = "", line: int | None = None):
        self.code, self.detail, self.line = code, detail, line
        super().__init__(f"{code}: {detail}" + (f" (line {line})" if line else ""))


@dataclass
class Ragged:
    line: int
    fields: int
    extra: str = ""  # the values past the last column, if any


@dataclass
class Source:
    name: str
    kind: str  # csv | xlsx | xls
    sha256: str
    headers: list[str]
    cells: pa.Table  # one string column per header, "" for an empty cell
    lines: np.ndarray  # the file line (sheet row) each record starts on
    header_line: int
    encoding: str | None = None
    encoding_guessed: bool = False
    delimiter: str | None = None
    sheet: str | None = None
    ragged: list[Ragged] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.cells.num_rows

    def describe(self, t) -> str:
        """How the file was read, in one sentence of the catalogue."""
        if self.kind == "csv":
            return t("import.read_as", kind="CSV", encoding=self.encoding, line=self.header_line, rows=self.rows,
                     delimiter={"\t": "Tab"}.get(self.delimiter, self.delimiter))
        return t("import.read_sheet", kind=self.kind.upper(), sheet=self.sheet, line=self.header_line, rows=self.rows)


def read(name: str, data: bytes, *, encoding: str = "auto", header_line: int | None = None,
         sheet: str | None = None) -> Source:
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"PK\x03\x04"):
        return _from_grid(name, "xlsx", digest, *_xlsx_rows(data, sheet), header_line)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return _from_grid(name, "xls", digest, *_xls_rows(data, sheet), header_line)
    return _from_text(name, digest, *decode(data, encoding), header_line)


# ---- encodings --------------------------------------------------------------

def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str, bool]:
    """The text, the encoding's name, and whether it was only guessed by a detector."""
    if encoding != "auto":
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise ReadError("unknown_encoding", encoding) from None
        try:
            return data.decode("utf-8-sig" if codec == "utf-8" else codec), encoding.upper(), False
        except UnicodeDecodeError as error:
            raise ReadError("not_encoding", encoding.upper(), _line_of(data, error.start)) from None
    for bom, codec, label in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), label, False
            except UnicodeDecodeError as error:
                raise ReadError("not_encoding", label, _line_of(data, error.start)) from None
    head = data[:4096]
    if head.count(0) > len(head) // 4:  # UTF-16 without a byte-order mark
        for codec in ("utf-16-le", "utf-16-be"):
            try:
                return data.decode(codec), "UTF-16", False
            except UnicodeDecodeError:
                pass
    for codec, label in STRICT_TRIES:
        try:
            return data.decode(codec), label, False
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes  # last resort: slow, and only a guess

    best = from_bytes(data).best()
    if best is None:
        raise ReadError("undecodable")
    return str(best), best.encoding.upper(), True


# ---- CSV --------------------------------------------------------------------

def _records(head: str, delimiter: str, limit: int):
    """The first records of the text: (first line, fields, chars up to the record's end)."""
    lines = io.StringIO(head, newline="")
    consumed = [0, 0]  # characters and lines read so far

    def feed():
        for line in lines:
            consumed[0] += len(line)
            consumed[1] += 1
            yield line

    reader = csv.reader(feed(), delimiter=delimiter)
    out = []
    try:
        while len(out) < limit:
            start = consumed[1] + 1
            row = next(reader)
            out.append((start, row, consumed[0], consumed[1]))
    except (StopIteration, csv.Error):
        pass
    return out


def sniff_delimiter(head: str) -> str:
    def score(d):
        counts = [len(r) for _, r, *_ in _records(head, d, 50) if any(c.strip() for c in r)]
        wide = [c for c in counts if c > 1]
        if not wide:
            return (0, 0)
        mode = max(set(wide), key=wide.count)
        return (counts.count(mode), mode)
    return max(DELIMITERS, key=lambda d: (score(d), -DELIMITERS.index(d)))


def _header_index(rows: list[list[str]], starts: list[int], header_line: int | None) -> int:
    if header_line is not None:
        for i, start in enumerate(starts):
            if start >= header_line:
                return i
        raise ReadError("no_header", str(header_line))
    known = [sum(header_key(c) in KNOWN_HEADERS for c in r if c.strip()) for r in rows]
    if max(known, default=0) > 0:
        return known.index(max(known))
    filled = [len({c.strip() for c in r if c.strip()}) for r in rows]
    if max(filled, default=0) == 0:
        raise ReadError("empty")
    return filled.index(max(filled))


def _from_text(name, digest, text, label, guessed, header_line) -> Source:
    head = text[:1 << 16]
    delimiter = sniff_delimiter(head)
    found = [r for r in _records(head, delimiter, HEADER_SEARCH_ROWS * 3) if any(c.strip() for c in r[1])]
    found = found[:HEADER_SEARCH_ROWS]
    if not found:
        raise ReadError("empty")
    i = _header_index([r for _, r, *_ in found], [s for s, *_ in found], header_line)
    start, header, offset, header_end = found[i]
    body = text[offset:].encode("utf-8")
    del text  # the file is held once as text and once as UTF-8: let the text go
    width = len(header)
    bad: list[tuple[int, str]] = []

    def invalid(row):
        bad.append((row.number, row.text))
        return "skip"

    names = [f"f{k}" for k in range(width)]
    table = _parse_csv(body, names, delimiter, invalid) if body.strip() else pa.table(
        {n: pa.array([], pa.string()) for n in names})
    quoted = b'"' in body
    del body
    spans = np.ones(table.num_rows, dtype=np.int64)
    if quoted:  # a quoted value may hold line breaks: the record then spans several lines
        for column in table.columns:
            if pc.any(pc.match_substring_regex(column, r"[\r\n]")).as_py():
                breaks = [pc.count_substring(column, s).to_numpy(zero_copy_only=False) for s in ("\n", "\r", "\r\n")]
                spans += breaks[0] + breaks[1] - breaks[2]
    table, spans, ragged = _rescue(table, spans, bad, delimiter, width)
    lines = header_end + 1 + np.cumsum(spans) - spans
    ragged = [Ragged(int(lines[i]), n, extra) for i, n, extra in ragged]
    return _finish(name, "csv", digest, header, table, lines, start, ragged,
                   encoding=label, encoding_guessed=guessed, delimiter=delimiter)


def _parse_csv(body: bytes, names: list[str], delimiter: str, invalid) -> pa.Table:
    try:
        return pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             ignore_empty_lines=False, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as error:  # e.g. a quote left open at the end of the file
        raise ReadError("not_csv", str(error).removeprefix("CSV parse error: ")) from None


def _rescue(table: pa.Table, spans: np.ndarray, bad, delimiter: str, width: int):
    """Put the records with too few or too many values back in their place, padded or cut."""
    if not bad:
        return table, spans, []
    total = table.num_rows + len(bad)
    is_bad = np.zeros(total, dtype=bool)
    is_bad[[number - 1 for number, _ in bad]] = True
    rows, ragged, bad_spans = [], [], []
    for (number, text), position in zip(bad, np.flatnonzero(is_bad)):
        fields = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        extra = [f for f in fields[width:] if f.strip()]
        if len(fields) < width or extra:
            ragged.append((int(position), len(fields), delimiter.join(extra)))
        rows.append((fields + [""] * width)[:width])
        bad_spans.append(1 + len(re.findall(r"\r\n|\r|\n", text)))
    rescued = pa.table([pa.array(col, pa.string()) for col in zip(*rows)], names=table.column_names)
    order = np.empty(total, dtype=np.int64)
    order[~is_bad] = np.arange(table.num_rows)
    order[is_bad] = table.num_rows + np.arange(len(rows))
    all_spans = np.empty(total, dtype=np.int64)
    all_spans[~is_bad] = spans
    all_spans[is_bad] = bad_spans
    return pa.concat_tables([table, rescued]).take(order), all_spans, ragged


# ---- Excel ------------------------------------------------------------------

def excel_text(value, number_format: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if float(value).is_integer():
            text = str(int(value))
            if re.fullmatch(r"0+", number_format or ""):  # 17 shown as 00017 by its format
                text = text.zfill(len(number_format))
            return text
        return repr(float(value))
    return str(value)


def _xlsx_rows(data: bytes, sheet: str | None):
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)  # not read-only: merges are needed
    except Exception as error:  # a damaged or encrypted file
        raise ReadError("not_excel", str(error)) from None
    ws = _pick_sheet(book.worksheets, sheet, lambda s: s.title, lambda s: s.max_row > 1)
    below = {}  # a vertically merged cell's value belongs to every row it spans
    for merged in ws.merged_cells.ranges:
        top = ws.cell(merged.min_row, merged.min_col)
        for row in range(merged.min_row + 1, merged.max_row + 1):
            below[(row, merged.min_col)] = top
    rows = []
    for number, cells in enumerate(ws.iter_rows(min_row=1, max_row=ws.max_row), start=1):
        texts = []
        for col, cell in enumerate(cells, start=1):
            cell = below.get((number, col), cell)
            texts.append(excel_text(cell.value, getattr(cell, "number_format", "")))
        rows.append((number, texts))
    return ws.title, rows


def _xls_rows(data: bytes, sheet: str | None):
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    except Exception as error:
        raise ReadError("not_excel", str(error)) from None
    ws = _pick_sheet(book.sheets(), sheet, lambda s: s.name, lambda s: s.nrows > 1)
    below = {}
    for rlo, rhi, clo, _ in ws.merged_cells:
        for row in range(rlo + 1, rhi):
            below[(row, clo)] = (rlo, clo)
    rows = []
    for r in range(ws.nrows):
        texts = []
        for c in range(ws.ncols):
            cell = ws.cell(*below.get((r, c), (r, c)))
            value = cell.value
            if cell.ctype == xlrd.XL_CELL_DATE:
                value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(value)
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                value = None
            fmt = book.format_map[book.xf_list[cell.xf_index].format_key].format_str
            texts.append(excel_text(value, fmt))
        rows.append((r + 1, texts))
    return ws.name, rows


def _pick_sheet(sheets, wanted, name_of, has_data):
    if wanted:
        for s in sheets:
            if name_of(s) == wanted:
                return s
        raise ReadError("no_sheet", f"{wanted} ({', '.join(name_of(s) for s in sheets)})")
    return next((s for s in sheets if has_data(s)), sheets[0])


def _from_grid(name, kind, digest, sheet, rows, header_line) -> Source:
    filled = [(n, r) for n, r in rows if any(c.strip() for c in r)]
    if not filled:
        raise ReadError("empty")
    head = filled[:HEADER_SEARCH_ROWS]
    i = _header_index([r for _, r in head], [n for n, _ in head], header_line)
    start, header = head[i]
    width = len(header)
    body = [(n, r) for n, r in rows if n > start]
    ragged = [Ragged(n, len(r), "\t".join(c for c in r[width:] if c.strip()))
              for n, r in body if any(c.strip() for c in r[width:])]
    columns = list(zip(*[(r + [""] * width)[:width] for _, r in body])) or [()] * width
    table = pa.table([pa.array(c, pa.string()) for c in columns], names=[f"f{k}" for k in range(width)])
    lines = np.array([n for n, _ in body], dtype=np.int64)
    return _finish(name, kind, digest, header, table, lines, start, ragged, sheet=sheet)


# ---- both -------------------------------------------------------------------

def _unique(headers: list[tuple[int, str]]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for position, header in headers:
        header = header.strip() or f"#{position + 1}"
        seen[header] = seen.get(header, 0) + 1
        out.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return out


def _finish(name, kind, digest, header, table, lines, header_line, ragged, **info) -> Source:
    empty = [pc.equal(pc.utf8_trim_whitespace(c), "") for c in table.columns]
    keep = [k for k, (h, e) in enumerate(zip(header, empty))
            if h.strip() or not pc.all(e).as_py()]  # an unnamed, empty column is spreadsheet debris
    if len(table.column_names):
        blank_row = empty[0]
        for e in empty[1:]:
            blank_row = pc.and_(blank_row, e)
        rows = pc.invert(blank_row)
        table, lines = table.filter(rows), lines[rows.to_numpy(zero_copy_only=False)]
    headers = _unique([(k, header[k]) for k in keep])
    if ragged:  # a record of empty values is debris even when it is short
        kept = set(lines.tolist())
        ragged = [r for r in ragged if r.line in kept]
    table = pa.table([table.column(k) for k in keep], names=headers)
    return Source(name, kind, digest, headers, table, lines, header_line, ragged=ragged, **info)
