"""Values as people type them, read a whole column at a time.

Each parser takes a column of text (a pyarrow string array) and returns the
column in its type with nulls where the text could not be read; the caller
compares those nulls with the blanks to find the unreadable values. Everything
is vectorised (pyarrow compute and numpy), because a sales file has a million
lines.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kam.store.records import FALSE_WORDS, TRUE_WORDS

# Unicode spaces Excel and web pages leave in numbers: no-break, thin, ideographic.
SPACES = r"[\s\x{00a0}\x{2000}-\x{200b}\x{202f}\x{3000}]"
CURRENCY = r"¥|\$|€|£|元|人民币|(?i:rmb|cny|usd)"
NUMBER = {
    ".": r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d*)?(?:[eE][+-]?\d+)?$",
    ",": r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)?(?:,\d*)?(?:[eE][+-]?\d+)?$",
}
SCALES = {"%": 0.01, "万": 1e4, "亿": 1e8}
PLAIN = r"^[+-]?\d+(?:\.\d+)?$"  # ASCII digits only (RE2's \d), read the same by a plain cast

TIME = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
YMD = r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?" + TIME + "$"
COMPACT = r"^(?P<y>(?:19|20|21)\d{2})(?P<m>\d{2})(?P<d>\d{2})$"
DAY_MONTH = r"^(?P<a>\d{1,2})\s*[-/.]\s*(?P<b>\d{1,2})\s*[-/.]\s*(?P<y>\d{4})" + TIME + "$"
SERIAL = r"^(?P<n>\d{5})(?:\.\d+)?$"  # Excel's day count since 1899-12-30
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
YEARS = (1, 9999)  # any year a date is written with; the days a record may hold are the schema's (DATES)


@dataclass
class Distinct:
    """A column as its distinct values and, for each row, which one it holds.

    Parsing each distinct value once is what makes a million-line file fast: a
    sales file repeats its dates, customers and products over and over. A column
    whose values are mostly different (ids, amounts) is left as it is: encoding
    it would find little to share and cost more than it saves.
    """
    values: pa.Array
    index: np.ndarray | None  # None: each row holds a value of its own, the values are the rows

    @classmethod
    def of(cls, column) -> "Distinct":
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        sample = column.slice(0, SAMPLE)
        if len(sample) == SAMPLE and pc.count_distinct(sample, mode="all").as_py() > SAMPLE // 2:
            return cls(column, None)
        encoded = pc.dictionary_encode(column, null_encoding="encode")
        return cls(encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False))

    def map(self, parse) -> "Distinct":
        return Distinct(parse(self.values), self.index)

    def rows(self, per_value):
        """A result computed per distinct value, spread out to every row."""
        if isinstance(per_value, (pa.Array, pa.ChunkedArray)):
            return per_value if self.index is None else pc.take(per_value, pa.array(self.index))
        return np.asarray(per_value) if self.index is None else np.asarray(per_value)[self.index]

    def value_at(self, row: int):
        return self.values[row if self.index is None else int(self.index[row])].as_py()

    def present(self) -> np.ndarray:
        return self.rows(self.values.is_valid().to_numpy(zero_copy_only=False))


SAMPLE = 1000  # the first values of a column, to tell whether they are mostly different


def prepare(text: pa.Array) -> pa.Array:
    """Trimmed text, blanks as nulls; undoes the two ways spreadsheets protect a value."""
    s = pc.utf8_trim(text, characters=" \t\r\n\u00a0\u3000")
    if pc.any(pc.starts_with(s, '="')).as_py():  # a plain test first: most columns have none
        s = pc.replace_substring_regex(s, r'^="(.*)"$', r"\1")  # ="00017" keeps Excel from eating zeros
    if pc.any(pc.starts_with(s, "'")).as_py():
        s = pc.replace_substring_regex(s, r"^'([=+\-@\t\r])", r"\1")  # our own export's formula guard
    return pc.if_else(pc.equal(s, ""), pa.scalar(None, pa.string()), s)


def _floats(strings: pa.Array) -> np.ndarray:
    return pc.cast(strings, pa.float64()).to_numpy(zero_copy_only=False)


def numbers(text: pa.Array, decimal: str = ".") -> pa.Array:
    """Amounts: 1,234.50 ¥1234 1234元 （１２）-> -12, 12.5% -> 0.125, 1.5万 -> 15000."""
    if decimal == "." and pc.all(pc.match_substring_regex(text, PLAIN)).as_py() is not False:
        return pc.cast(text, pa.float64())  # what an ERP writes; a million of them read as they are
    s = pc.utf8_normalize(text, "NFKC")  # full-width digits and signs become ASCII
    s = pc.replace_substring(s, "\u2212", "-")
    s = pc.replace_substring_regex(s, f"{SPACES}|{CURRENCY}", "")
    negative = pc.match_substring_regex(s, r"^\(.*\)$")
    s = pc.replace_substring_regex(s, r"^\((.*)\)$", r"\1")
    factor = pa.scalar(1.0)
    for suffix, scale in SCALES.items():
        has = pc.ends_with(s, suffix)
        factor = pc.if_else(has, pc.multiply(factor, scale), factor)
        s = pc.if_else(has, pc.utf8_slice_codeunits(s, 0, -1), s)
    valid = pc.and_(pc.match_substring_regex(s, NUMBER[decimal]), pc.match_substring_regex(s, r"\d"))
    group = "," if decimal == "." else "."
    s = pc.replace_substring(pc.if_else(valid, s, pa.scalar(None, pa.string())), group, "")
    if decimal != ".":
        s = pc.replace_substring(s, decimal, ".")
    value = pc.multiply(pc.cast(s, pa.float64()), factor)
    return pc.if_else(pc.fill_null(negative, False), pc.negate(value), value)


def decimal_evidence(text: pa.Array) -> tuple[bool, bool]:
    """(some value can only be read with a decimal comma, some only with a decimal point)."""
    if pc.all(pc.match_substring_regex(text, PLAIN)).as_py() is not False:  # the patterns below, for such values
        comma = pc.any(pc.match_substring_regex(text, r"^[+-]?\d{1,3}\.\d{3}$"))
        point = pc.any(pc.match_substring_regex(text, r"^[+-]?\d+\.\d{1,2}$"))
        return bool(comma.as_py()), bool(point.as_py())
    s = pc.replace_substring_regex(pc.utf8_normalize(text, "NFKC"), f"{SPACES}|{CURRENCY}|[()%]", "")
    comma = pc.any(pc.match_substring_regex(s, r"^[+-]?\d+(?:\.\d{3})*,\d{1,2}$|^[+-]?\d{1,3}(?:\.\d{3})+$"))
    point = pc.any(pc.match_substring_regex(s, r"^[+-]?\d+(?:,\d{3})*\.\d{1,2}$|^[+-]?\d{1,3}(?:,\d{3})+$"))
    return bool(comma.as_py()), bool(point.as_py())


def decimal_comma_likely(evidence: tuple[bool, bool]) -> bool:
    """True when some values can only be read with a decimal comma and none only with a point."""
    comma, point = evidence
    return comma and not point


@dataclass
class Dates:
    values: np.ndarray  # datetime64[D], NaT where not read
    pending: np.ndarray  # dd/mm-or-mm/dd values waiting for the date order
    order: str | None  # the order used for such values: "dmy", "mdy" or None
    inferred: bool  # the order was read from unambiguous values in the column
    example: int | None = None  # the first such value


def _parts(text: pa.Array, pattern: str, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    found = pc.extract_regex(text, pattern)
    return {n: _floats(pc.if_else(found.is_valid(), pc.struct_field(found, n), pa.scalar(None, pa.string())))
            for n in names}


def _calendar(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    ok = (y >= YEARS[0]) & (y <= YEARS[1]) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31)
    y, m, d = (np.where(ok, v, 1).astype("int64") for v in (y, m, d))
    month = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    day = month.astype("datetime64[D]") + (d - 1)
    ok &= day.astype("datetime64[M]") == month  # 2026-02-30 rolls into March: not a date
    return np.where(ok, day, np.datetime64("NaT"))


def _day_month(s: pa.Array) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The parts of dd/mm/yyyy-or-mm/dd/yyyy values, and which can only be day first, month first."""
    p = _parts(s, DAY_MONTH, ("a", "b", "y"))
    a, b = p["a"], p["b"]
    return p, (a > 12) & (b <= 12), (b > 12) & (a <= 12)


def date_evidence(text: pa.Array) -> tuple[bool, bool, int | None]:
    """(some value can only be day first, some only month first, the first such value)."""
    _, dmy_only, mdy_only = _day_month(pc.utf8_normalize(text, "NFKC"))
    clear = np.flatnonzero(dmy_only | mdy_only)
    return bool(dmy_only.any()), bool(mdy_only.any()), int(clear[0]) if len(clear) else None


def dates(text: pa.Array, order: str | None = None, evidence: tuple[bool, bool] | None = None) -> Dates:
    """Dates: 2026-03-05, 2026/3/5, 2026年3月5日, 20260305, 05.03.2026, Excel serial numbers.

    Day and month written first are told apart only by a value above 12; when
    the column has no such value (or both kinds) the order must be chosen, and
    those values stay pending until it is. `evidence`: whether the whole column
    (of which this text is a part) has values only day first, only month first.
    """
    s = pc.utf8_normalize(text, "NFKC")
    out = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[D]")
    for pattern in (YMD, COMPACT):
        p = _parts(s, pattern, ("y", "m", "d"))
        out = np.where(np.isnat(out), _calendar(p["y"], p["m"], p["d"]), out)
    serial = _parts(s, SERIAL, ("n",))["n"]
    has_serial = ~np.isnan(serial)
    out[has_serial] = EXCEL_EPOCH + serial[has_serial].astype("int64")

    p, dmy_only, mdy_only = _day_month(s)
    a, b = p["a"], p["b"]
    dmy_any, mdy_any = evidence if evidence is not None else (bool(dmy_only.any()), bool(mdy_only.any()))
    inferred = False
    example = None
    if order is None and dmy_any != mdy_any:
        order, inferred = ("dmy" if dmy_any else "mdy"), True
        clear = np.flatnonzero(dmy_only | mdy_only)
        example = int(clear[0]) if len(clear) else None
    if order is None:
        clear = not (dmy_any and mdy_any)
        pending = ~np.isnan(a) & ~(clear & ((a == b) | dmy_only | mdy_only))
        day = np.where(dmy_only | (a == b), a, b)
        month = np.where(dmy_only | (a == b), b, a)
        day, month = np.where(pending, np.nan, day), np.where(pending, np.nan, month)
    else:
        pending = np.zeros(len(s), dtype=bool)
        day, month = (a, b) if order == "dmy" else (b, a)
    written = _calendar(p["y"], month, day)
    out = np.where(np.isnat(out), written, out)
    return Dates(out, pending, order, inferred, example)


def bools(text: pa.Array) -> pa.Array:
    s = pc.utf8_lower(text)
    true = pc.is_in(s, pa.array(sorted(TRUE_WORDS)))
    false = pc.is_in(s, pa.array(sorted(FALSE_WORDS)))
    return pc.if_else(true, True, pc.if_else(false, False, pa.scalar(None, pa.bool_())))


def choice_key(text: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(pc.utf8_lower(pc.utf8_normalize(text, "NFKC")), r"[\s\-]+", "_")


def choices(text: pa.Array, names: dict[str, str]) -> pa.Array:
    """Allowed values written as a label (重要客户, In person) become their code (important, in_person)."""
    keys = list(names)
    where = pc.index_in(choice_key(text), value_set=pa.array(keys, pa.string()))
    coded = pc.take(pa.array([names[k] for k in keys], pa.string()), where)
    return pc.coalesce(coded, text)
