"""iCalendar files (RFC 5545) of planned revisits, for Outlook and phone calendars.

Each plan is an all-day event on its planned day. The file follows the parts
of the standard that importers are strict about: CRLF line endings, lines
folded at 75 octets without splitting a UTF-8 character, text escaped, and a
stable UID per plan so importing the file again updates the events instead of
doubling them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PRODID = "-//kam//Key account revisits//ZH"
LIMIT = 75  # octets per line, CRLF not counted


@dataclass(frozen=True)
class Event:
    uid: str
    day: dt.date
    summary: str
    description: str = ""
    categories: str = ""


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma and newlines."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, continued with CRLF and a space."""
    pieces, current, size = [], [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        # continuation lines start with a space, which counts toward their 75 octets
        if size + width > (LIMIT if not pieces else LIMIT - 1):
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def calendar(events, *, name: str, stamp: dt.datetime | None = None) -> bytes:
    """A VCALENDAR with one all-day VEVENT per event, encoded as UTF-8."""
    stamp = (stamp or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{escape(name)}"]
    for event in events:
        lines += ["BEGIN:VEVENT",
                  f"UID:{event.uid}",
                  f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{event.day + dt.timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{escape(event.summary)}"]
        if event.description:
            lines.append(f"DESCRIPTION:{escape(event.description)}")
        if event.categories:
            lines.append(f"CATEGORIES:{escape(event.categories)}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
