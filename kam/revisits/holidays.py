"""The holidays a key account is revisited for (节日回访), an editable list.

Kept as one setting rather than a table: the list is short and is edited as a
whole on the settings page (rows added, changed and deleted), the store has no
delete for table rows, and a setting saves the whole list in one commit with
who and when. Until someone saves, the seeded list below is the list.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kam.store import settings
from kam.readside.database import Database
from kam.store.records import InvalidRecords, Problem
from kam.store.work import Work

KEY = "revisit.holidays"
COLUMNS = ("date", "name_zh", "name_en")

# The main Chinese holidays by their first day, for the demo's years and the next;
# the lunar ones (Spring Festival, Dragon Boat, Mid-Autumn) and Qingming move
# from year to year.
_NAMES = {
    "new_year": ("元旦", "New Year's Day"),
    "spring_festival": ("春节", "Spring Festival"),
    "qingming": ("清明节", "Qingming Festival"),
    "labour_day": ("劳动节", "Labour Day"),
    "dragon_boat": ("端午节", "Dragon Boat Festival"),
    "mid_autumn": ("中秋节", "Mid-Autumn Festival"),
    "national_day": ("国庆节", "National Day"),
}
_DATES = {
    2024: ("2024-01-01", "2024-02-10", "2024-04-04", "2024-05-01", "2024-06-10", "2024-09-17", "2024-10-01"),
    2025: ("2025-01-01", "2025-01-29", "2025-04-04", "2025-05-01", "2025-05-31", "2025-10-06", "2025-10-01"),
    2026: ("2026-01-01", "2026-02-17", "2026-04-05", "2026-05-01", "2026-06-19", "2026-09-25", "2026-10-01"),
    2027: ("2027-01-01", "2027-02-06", "2027-04-05", "2027-05-01", "2027-06-09", "2027-09-15", "2027-10-01"),
}
SEED = sorted(({"date": day, "name_zh": zh, "name_en": en}
               for days in _DATES.values() for day, (zh, en) in zip(days, _NAMES.values())),
              key=lambda h: h["date"])


def _as_date(value) -> dt.date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


def check(rows) -> list[dict]:
    """The rows as stored (ISO dates, names trimmed, sorted), or InvalidRecords naming each bad cell.

    Every holiday needs a date and at least one name; wholly empty rows are dropped.
    """
    out, problems = [], []
    for row, given in enumerate(rows, start=1):
        names = {c: _text(given.get(c)) for c in ("name_zh", "name_en")}
        raw = given.get("date")
        if not any(names.values()) and _as_date(raw) is None and not _text(raw):
            continue
        day = _as_date(raw)
        if day is None:
            problems.append(Problem(row, "date", raw, "required" if not _text(raw) else "type"))
        if not any(names.values()):
            problems.append(Problem(row, "name_zh", None, "required"))
        if day is not None and any(names.values()):
            out.append({"date": day.isoformat(), **names})
    if problems:
        raise InvalidRecords("revisit.holidays", problems)
    return sorted(out, key=lambda h: (h["date"], h["name_zh"]))


def load(db: Database) -> pd.DataFrame:
    """date (datetime), name_zh, name_en, sorted by date."""
    frame = pd.DataFrame(settings.load(db, KEY, SEED), columns=list(COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.sort_values("date", kind="stable").reset_index(drop=True)


def save(work: Work, rows) -> list[dict]:
    checked = check(rows)
    settings.save(work, KEY, checked)
    return checked


def between(holidays: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The holidays from start to end, both included."""
    days = holidays["date"].dt.date
    return holidays[(days >= start) & (days <= end)].reset_index(drop=True)


def name(row, lang: str) -> str:
    """The holiday's name in the language, or in the other one when only that was given."""
    first, second = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")
    return _text(row[first]) or _text(row[second])
