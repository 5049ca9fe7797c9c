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
import itertools
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kam.imports.mapping import KNOWN_HEADERS, header_key

DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_ROWS = 30
CHUNK_ROWS = 100_000  # records a file read from disk is imported by at a time
READ_BYTES = 1 << 20
# Limits no real export reaches and an attack does: a line of a million characters, a spreadsheet
# of more than 200 MB once unpacked or with more than 3 million cells (save such a sheet as CSV).
LINE_CHARS = 1_000_000
XLSX_BYTES = 200 * 2 ** 20
XLSX_CELLS = 3_000_000
RECORD_BYTES = 1 << 22  # the CSV reader's block: a record (a quoted value's lines too) must fit in one
GUESS_BYTES = 1 << 20  # what the encoding detector reads of a file on disk
BOMS = ((codecs.BOM_UTF8, "utf-8-sig", "UTF-8 (BOM)"), (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
        (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))
STRICT_TRIES = (("utf-8", "UTF-8"), ("gb18030", "GB18030"))
SHOWN_LINES = 3  # offending lines a refusal names


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
    first_row: int = 0  # the file's record this one (a chunk of a Reading) starts with

    @property
    def rows(self) -> int:
        return self.cells.num_rows

    def describe(self, t, rows: int | None = None) -> str:
        """How the file (of `rows` records, if this is a chunk of it) was read, in one sentence of the catalogue."""
        rows = self.rows if rows is None else rows
        if self.kind == "csv":
            return t("import.read_as", kind="CSV", encoding=self.encoding, line=self.header_line, rows=rows,
                     delimiter={"\t": "Tab"}.get(self.delimiter, self.delimiter))
        return t("import.read_sheet", kind=self.kind.upper(), sheet=self.sheet, line=self.header_line, rows=rows)


FILE_FACTS = ("name", "kind", "sha256", "headers", "header_line", "encoding", "encoding_guessed", "delimiter",
              "sheet")


@dataclass
class Reading:
    """A file as chunks of records, each a Source of its own with the file's line numbers, given
    again from the start whenever asked: an import holds one chunk in memory, never the file."""
    head: Source  # the first chunk; its name, headers, encoding... are the file's
    rows: int  # records in the whole file
    again: Callable[[], Iterator[Source]]
    unchanged: Callable[[], None] = lambda: None  # ReadError("changed") if the file on disk is no longer the one read

    @classmethod
    def whole(cls, source: Source) -> "Reading":
        return cls(source, source.rows, lambda: iter([source]))

    def chunks(self) -> Iterator[Source]:
        return self.again()

    def __getattr__(self, name: str):
        """The file's own facts (name, kind, sha256, headers, header_line, encoding...) are its head's."""
        if name in FILE_FACTS:
            return getattr(self.head, name)
        raise AttributeError(name)

    def describe(self, t) -> str:
        return self.head.describe(t, self.rows)


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


def _candidates(head: bytes, encoding: str) -> list[tuple[str, str, bool]]:
    """The codecs to try on a file starting with these bytes, in order: (codec, label, whether a
    failure is the answer). With none left, a detector guesses."""
    if encoding != "auto":
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise ReadError("unknown_encoding", encoding) from None
        return [("utf-8-sig" if codec == "utf-8" else codec, encoding.upper(), True)]
    for bom, codec, label in BOMS:
        if head.startswith(bom):
            return [(codec, label, True)]
    sample = head[:4096]
    utf16 = [("utf-16-le", "UTF-16", False), ("utf-16-be", "UTF-16", False)]
    return (utf16 if sample.count(0) > len(sample) // 4 else []) + [(c, label, False) for c, label in STRICT_TRIES]


def _guess(data: bytes):
    from charset_normalizer import from_bytes  # last resort: slow, and only a guess

    best = from_bytes(data).best()
    if best is None:
        raise ReadError("undecodable")
    return best


def _wide_lines(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Of the lines of `data` (whole lines, numbered from 0) holding more than ASCII: those valid in
    UTF-8 and those not. Decoded with "replace", a byte that is not UTF-8 becomes U+FFFD (a line
    that held U+FFFD itself counts as not UTF-8: it was garbled before); each line is then asked
    twice, by string methods that run in C (a million lines in about half a second)."""
    lines = data.decode("utf-8", "replace").split("\n")
    invalid = np.fromiter(("\ufffd" in line for line in lines), bool, len(lines))
    wide = np.fromiter((not line.isascii() for line in lines), bool, len(lines))
    return np.flatnonzero(wide & ~invalid), np.flatnonzero(invalid)


def _refuse_mixed(blocks: Iterator[bytes]) -> None:
    """Refuse a file whose lines are partly UTF-8, partly not (a GB18030 line pasted into a UTF-8
    export, or UTF-8 lines appended to a GB18030 one): read in either encoding, some of its lines
    would come out silently garbled. Every line of the whole file is looked at, a block of bytes at
    a time (memory stays bounded by the block), and the first lines of the fewer kind are named."""
    count, first = [0, 0], [[], []]  # UTF-8 lines, other lines
    line, carry = 1, b""
    for data in itertools.chain((b for b in blocks if b), [b""]):
        last, data = not data, carry + data
        end = len(data) if last else data.rfind(b"\n") + 1
        if end == 0:
            if len(data) <= RECORD_BYTES:
                carry = data  # one line so far: wait for its end
                continue
            end = len(data)  # a line longer than a record, looked at in pieces (the reader refuses it anyway)
        if not data[:end].isascii():
            for kind, lines in enumerate(_wide_lines(data[:end])):
                count[kind] += len(lines)
                first[kind] += [line + int(n) for n in lines[:SHOWN_LINES - len(first[kind])]]
        line, carry = line + data.count(b"\n", 0, end), data[end:]
    if all(count):
        odd = first[1] if count[1] <= count[0] else first[0]
        raise ReadError("mixed_encoding", ", ".join(map(str, odd)), odd[0])


def _blocks(data: bytes) -> Iterator[bytes]:
    return (data[i:i + READ_BYTES] for i in range(0, len(data), READ_BYTES))


def _file_blocks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        yield from iter(lambda: f.read(READ_BYTES), b"")


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str, bool]:
    """The text, the encoding's name, and whether it was only guessed by a detector."""
    for codec, label, final in _candidates(data[:4096], encoding):
        try:
            return data.decode(codec), label, False
        except UnicodeDecodeError as error:
            # refused outside this block: the decoder's error holds the whole file, and a refusal
            # raised here would keep it (as its context, in a cycle only the garbage collector breaks)
            failed_at = error.start
        if final:
            raise ReadError("not_encoding", label, _line_of(data, failed_at))
        if codec == "utf-8":
            _refuse_mixed(_blocks(data))
    best = _guess(data)
    return str(best), best.encoding.upper(), True


class _NotDecoded(Exception):
    def __init__(self, line: int):
        self.line = line


def _text_blocks(path: Path, codec: str, hasher=None) -> Iterator[str]:
    """The file's text a block at a time; _NotDecoded (with the line) where the codec fails."""
    decoder = codecs.getincrementaldecoder(codec)()
    lines = 0
    with open(path, "rb") as f:
        while True:
            data = f.read(READ_BYTES)
            if hasher is not None:
                hasher.update(data)
            try:
                text = decoder.decode(data, final=not data)
            except UnicodeDecodeError as error:
                start = max(error.start, 0)
                raise _NotDecoded(lines + data.count(b"\n", 0, start) + 1) from None
            lines += data.count(b"\n")
            if text:
                yield text
            if not data:
                return


def _head_and_rest(blocks: Iterator[str], size: int) -> tuple[str, Iterator[str]]:
    """At least `size` characters from the start (fewer if the text is shorter), and the blocks after them."""
    head = []
    while sum(map(len, head)) < size:
        block = next(blocks, None)
        if block is None:
            break
        head.append(block)
    return "".join(head), blocks


def open_file(path, *, encoding: str = "auto", header_line: int | None = None, sheet: str | None = None,
              chunk_rows: int = CHUNK_ROWS) -> Reading:
    """A file on disk as a Reading: a CSV is read a chunk of records at a time (its encoding
    chosen as read() chooses it, every byte decoded before it is accepted), a spreadsheet whole."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(GUESS_BYTES)
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return Reading.whole(read(path.name, path.read_bytes(), encoding=encoding, header_line=header_line,
                                  sheet=sheet))

    def attempt(codec: str, label: str, guessed: bool, final: bool) -> Reading | None:
        try:
            return _open_text(path, codec, label, guessed, header_line, chunk_rows)
        except _NotDecoded as failed:
            if final:
                raise ReadError("not_encoding", label, failed.line) from None
            if codec == "utf-8":
                _refuse_mixed(_file_blocks(path))
            return None

    for codec, label, final in _candidates(head, encoding):
        reading = attempt(codec, label, False, final)
        if reading is not None:
            return reading
    best = _guess(head)
    return attempt(best.encoding, best.encoding.upper(), True, True)


def _open_text(path: Path, codec: str, label: str, guessed: bool, header_line: int | None,
               chunk_rows: int) -> Reading:
    """One pass decodes the whole file, hashes it and parses it, keeping its records (the blank
    ones dropped) in a Spill on disk and noting its columns with a value; chunks() reads the
    records back from there, so the file is decoded and parsed once however often it is read."""
    hasher = hashlib.sha256()
    text, rest = _head_and_rest(_text_blocks(path, codec, hasher), 1 << 16)
    delimiter, start, header, offset, header_end = _layout(text[:1 << 16], header_line)
    width = len(header)
    _unique([(k, h) for k, h in enumerate(header) if h.strip()])  # two named alike: refused before reading on
    spill, filled, rows = Spill(), np.zeros(width, dtype=bool), 0
    for table, lines, ragged in _records_of(itertools.chain([text[offset:]], rest), width, delimiter, header_end,
                                            chunk_rows):
        table, lines, ragged, own = _drop_blank(table, lines, ragged, header)
        filled |= own
        spill.add(table.append_column(LINE_COLUMN, pa.array(lines, pa.int64())), ragged)
        rows += table.num_rows
    info = {"encoding": label, "encoding_guessed": guessed, "delimiter": delimiter}
    digest = hasher.hexdigest()

    def chunks() -> Iterator[Source]:
        first_row = 0
        for table, ragged in spill.read():
            chunk = _named(path.name, "csv", digest, header, table, table.column(LINE_COLUMN).to_numpy(), start,
                           ragged, filled, first_row=first_row, **info)
            first_row += chunk.rows
            yield chunk

    def unchanged() -> None:
        again = hashlib.sha256()
        try:
            with open(path, "rb") as f:
                while data := f.read(READ_BYTES):
                    again.update(data)
        except OSError:  # gone, or no longer readable
            raise ReadError("changed", path.name) from None
        if again.hexdigest() != digest:
            raise ReadError("changed", path.name)

    nothing, no_lines, _ = _concat([], width)
    return Reading(_named(path.name, "csv", digest, header, nothing, no_lines, start, [], filled, **info), rows,
                   chunks, unchanged)


LINE_COLUMN = "line"  # beside a spilled chunk's cells (f0, f1...): the file line each record starts on


class Spill:
    """Tables kept one after another in temporary Arrow files on disk and read back one at a time,
    each with a value of its own: what an import reads again is held there, not in memory. The
    files go when the Spill does."""

    def __init__(self):
        self._folder = tempfile.TemporaryDirectory(prefix="kam-import-")
        self._with: list = []

    def _path(self, number: int) -> str:
        return str(Path(self._folder.name) / f"{number}.arrow")

    def add(self, table: pa.Table, value=None) -> None:
        with pa.ipc.new_file(self._path(len(self._with)), table.schema) as writer:
            writer.write_table(table)
        self._with.append(value)

    def read(self) -> Iterator[tuple[pa.Table, object]]:
        for number, value in enumerate(self._with):
            with pa.OSFile(self._path(number)) as f:  # read into memory, not mapped: one table held at a time
                table = pa.ipc.open_file(f).read_all()
            yield table, value


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


def _layout(head: str, header_line: int | None) -> tuple[str, int, list[str], int, int]:
    """From the file's first characters: the delimiter, the header's first line, the header,
    the characters up to the header's end and the lines they take."""
    delimiter = sniff_delimiter(head)
    found = [r for r in _records(head, delimiter, HEADER_SEARCH_ROWS * 3) if any(c.strip() for c in r[1])]
    found = found[:HEADER_SEARCH_ROWS]
    if not found:
        raise ReadError("empty")
    i = _header_index([r for _, r, *_ in found], [s for s, *_ in found], header_line)
    start, header, offset, header_end = found[i]
    return delimiter, start, header, offset, header_end


def _from_text(name, digest, text, label, guessed, header_line) -> Source:
    delimiter, start, header, offset, header_end = _layout(text[:1 << 16], header_line)
    body = [text[offset:]]
    del text  # the file is held once as text and once as UTF-8: let the text go
    table, lines, ragged = _concat(list(_records_of(body, len(header), delimiter, header_end)), len(header))
    return _finish(name, "csv", digest, header, table, lines, start, ragged,
                   encoding=label, encoding_guessed=guessed, delimiter=delimiter)


class _Utf8(io.RawIOBase):
    """Blocks of text as a stream of UTF-8 bytes, encoded as they are read; notes whether a quote
    has passed (only then can a record span several lines)."""

    def __init__(self, blocks, first_line: int):
        self.blocks, self.pending, self.quoted = iter(blocks), memoryview(b""), False
        self.line, self.run = first_line, 0  # the line being passed on, and its characters so far

    def readable(self) -> bool:
        return True

    def _measure(self, block: str) -> None:
        """Refuse a line longer than LINE_CHARS, where it starts, before the CSV reader holds it."""
        for at in range(0, len(block), LINE_CHARS):
            piece = block[at:at + LINE_CHARS]
            first = piece.find("\n")
            if self.run + (len(piece) if first < 0 else first) > LINE_CHARS:
                raise ReadError("line_too_long", f"{LINE_CHARS:,}", self.line)
            if first >= 0:
                self.line += piece.count("\n")
                self.run = len(piece) - piece.rfind("\n") - 1
            else:
                self.run += len(piece)

    def readinto(self, target) -> int:
        while not len(self.pending):
            block = next(self.blocks, None)
            if block is None:
                return 0
            self._measure(block)
            self.quoted = self.quoted or '"' in block
            self.pending = memoryview(block.encode("utf-8"))
        n = min(len(target), len(self.pending))
        target[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def _records_of(blocks, width: int, delimiter: str, header_end: int, chunk_rows: int | None = None):
    """The records after the header, (cells, lines, ragged) a chunk of about chunk_rows at a time
    (all at once if None). A record with too few or too many values is put back in its place."""
    names = [f"f{k}" for k in range(width)]
    stream, bad = _Utf8(blocks, header_end + 1), []

    def invalid(row):
        bad.append((row.number, row.text))
        return "skip"

    try:
        reader = pacsv.open_csv(
            io.BufferedReader(stream, 1 << 20),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=RECORD_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             ignore_empty_lines=False, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
        batches = iter(reader)
    except pa.ArrowInvalid as error:
        if "Empty CSV file" not in str(error):
            raise ReadError("not_csv", str(error).removeprefix("CSV parse error: ")) from None
        batches = iter(())
    empty = _concat([], width)[0]
    placed, line, gathered, count = 0, header_end + 1, [], 0
    while True:
        try:
            batch = next(batches, None)
        except pa.ArrowInvalid as error:  # e.g. a quote left open at the end of the file
            if "straddling" in str(error):  # a quoted value of many short lines, longer than a block
                raise ReadError("record_too_long", f"{RECORD_BYTES >> 20} MB", line) from None
            raise ReadError("not_csv", str(error).removeprefix("CSV parse error: ")) from None
        table = empty if batch is None else pa.Table.from_batches([batch])
        mine = 0  # the bad records among this batch's: before its last good one (all that remain at the end)
        while mine < len(bad) and (batch is None or bad[mine][0] <= placed + table.num_rows + mine):
            mine += 1
        spans = _spans(table) if stream.quoted else np.ones(table.num_rows, dtype=np.int64)
        table, spans, ragged = _rescue(table, spans, [(n - 1 - placed, text) for n, text in bad[:mine]],
                                       delimiter, width)
        del bad[:mine]
        placed += table.num_rows
        lines = line + np.cumsum(spans) - spans
        _refuse_long_values(table, lines)
        line += int(spans.sum())
        gathered.append((table, lines, [Ragged(int(lines[i]), n, extra) for i, n, extra in ragged]))
        count += table.num_rows
        while chunk_rows is not None and count >= chunk_rows:
            first, rest = _split(_concat(gathered, width), chunk_rows)
            yield first
            gathered, count = [rest], rest[0].num_rows
        if batch is None:
            if count or placed == 0 or chunk_rows is None:
                yield _concat(gathered, width)
            return


def _refuse_long_values(table: pa.Table, lines: np.ndarray) -> None:
    """A value of more than LINE_CHARS (bytes, as stored) is refused at its line: a quoted value of many
    short lines gets past the line limit."""
    for column in table.columns:
        if (pc.max(pc.binary_length(column)).as_py() or 0) > LINE_CHARS:
            long = pc.greater(pc.binary_length(column), LINE_CHARS)
            raise ReadError("value_too_long", f"{LINE_CHARS:,}",
                            int(lines[int(np.flatnonzero(long.to_numpy(zero_copy_only=False))[0])]))


def _spans(table: pa.Table) -> np.ndarray:
    """Lines each record takes: a quoted value may hold line breaks."""
    spans = np.ones(table.num_rows, dtype=np.int64)
    for column in table.columns:
        if pc.any(pc.match_substring_regex(column, r"[\r\n]")).as_py():
            breaks = [pc.count_substring(column, s).to_numpy(zero_copy_only=False) for s in ("\n", "\r", "\r\n")]
            spans += breaks[0] + breaks[1] - breaks[2]
    return spans


def _split(part, rows: int):
    """The first `rows` records of (cells, lines, ragged), and the rest."""
    table, lines, ragged = part
    cut = lines[rows] if rows < len(lines) else None
    return ((table.slice(0, rows), lines[:rows], [r for r in ragged if cut is None or r.line < cut]),
            (table.slice(rows), lines[rows:], [r for r in ragged if cut is not None and r.line >= cut]))


def _concat(parts, width: int):
    names = [f"f{k}" for k in range(width)]
    if not parts:
        return pa.table({n: pa.array([], pa.string()) for n in names}), np.zeros(0, dtype=np.int64), []
    return (pa.concat_tables([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            [r for p in parts for r in p[2]])


def _rescue(table: pa.Table, spans: np.ndarray, bad, delimiter: str, width: int):
    """Put the records with too few or too many values (position among the records, text) back
    in their place, padded or cut."""
    if not bad:
        return table, spans, []
    total = table.num_rows + len(bad)
    is_bad = np.zeros(total, dtype=bool)
    is_bad[[position for position, _ in bad]] = True
    rows, ragged, bad_spans = [], [], []
    for (_, text), position in zip(bad, np.flatnonzero(is_bad)):
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


def _refuse_large_xlsx(data: bytes) -> None:
    """Refuse a workbook beyond XLSX_BYTES unpacked or XLSX_CELLS cells from its zip's listing and a
    streamed count of its cells, before anything is expanded in memory (a 1 MB file can unpack to 1 GB)."""
    import zipfile

    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(entry.file_size for entry in book.infolist())
        if unpacked > XLSX_BYTES:
            raise ReadError("xlsx_too_large", f"{unpacked / 2 ** 20:,.0f} MB > {XLSX_BYTES >> 20} MB")
        cells = 0
        for entry in book.infolist():
            if entry.filename.startswith("xl/worksheets/"):
                with book.open(entry) as sheet:
                    tail = b""  # a block's last bytes, for a tag cut in two between blocks
                    while block := sheet.read(READ_BYTES):
                        cells += (tail + block).count(b"<c ") + (tail + block).count(b"<c>")
                        tail = block[-2:]
        if cells > XLSX_CELLS:
            raise ReadError("xlsx_too_many_cells", f"{cells:,} > {XLSX_CELLS:,}")
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ReadError("not_excel", str(error)) from None


def _xlsx_rows(data: bytes, sheet: str | None):
    import openpyxl

    _refuse_large_xlsx(data)
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
    """The headers, an unnamed column called by its place; two columns with the same header are
    refused, as either could be the one meant."""
    seen: dict[str, int] = {}
    for position, header in headers:
        header = header.strip() or f"#{position + 1}"
        if header in seen:
            raise ReadError("duplicate_header", f"{header} ({seen[header] + 1}, {position + 1})")
        seen[header] = position
    return list(seen)


def _drop_blank(table: pa.Table, lines: np.ndarray, ragged: list[Ragged], header: list[str]):
    """The records but the blank ones (a record of empty values is debris even when it is short),
    and for each column without a header whether any of its cells holds a value (True for the
    others, kept anyway). A named column's cells are looked at only in rows blank so far: mostly
    the first column's say that no row is."""
    blank = np.ones(table.num_rows, dtype=bool)  # the rows blank in every column looked at so far
    filled = np.ones(len(header), dtype=bool)
    for k, column in enumerate(table.columns):
        named = bool(header[k].strip())
        if named and not blank.any():
            continue
        cells = column.filter(pa.array(blank)) if named and not blank.all() else column
        empty = pc.or_(pc.equal(cells, ""), pc.utf8_is_space(cells)).to_numpy()  # nothing left once trimmed
        if named:
            blank[blank] = empty
        else:
            filled[k] = not empty.all()
            blank &= empty
    if blank.any():
        table, lines = table.filter(pa.array(~blank)), lines[~blank]
    if ragged:
        kept = set(lines.tolist())
        ragged = [r for r in ragged if r.line in kept]
    return table, lines, ragged, filled


def _finish(name, kind, digest, header, table, lines, header_line, ragged, **info) -> Source:
    """The records as a Source: blank records dropped, and the unnamed columns with no value dropped
    as spreadsheet debris."""
    table, lines, ragged, filled = _drop_blank(table, lines, ragged, header)
    return _named(name, kind, digest, header, table, lines, header_line, ragged, filled, **info)


def _named(name, kind, digest, header, table, lines, header_line, ragged, filled, *, first_row=0, **info) -> Source:
    """The records (blank ones dropped) as a Source, with the columns the header names or that
    hold a value somewhere in the file (`filled`: each column's); the others are debris."""
    keep = [k for k, h in enumerate(header) if h.strip() or filled[k]]
    headers = _unique([(k, header[k]) for k in keep])
    table = pa.table([table.column(k) for k in keep], names=headers)
    return Source(name, kind, digest, headers, table, lines, header_line, ragged=ragged, first_row=first_row,
                  **info)
