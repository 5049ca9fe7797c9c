"""iCalendar files (RFC 5545) of planned revisits, for Outlook and phone calendars.

Each plan is an all-day event on its planned day, with a stable UID per plan so importing
the file again updates the events instead of doubling them. The file is written by the
`icalendar` package, which escapes every value and folds long lines as the standard requires:
a value written by hand once let a line break in a plan's id add a line of its own to the file.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import icalendar

PRODID = "-//kam//Key account revisits//ZH"


@dataclass(frozen=True)
class Event:
    uid: str
    day: dt.date
    summary: str
    description: str = ""
    categories: str = ""


def _vevent(event: Event, stamp: dt.datetime) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", event.day)
    vevent.add("dtend", event.day + dt.timedelta(days=1))
    vevent.add("summary", event.summary)
    if event.description:
        vevent.add("description", event.description)
    if event.categories:
        vevent.add("categories", [event.categories])
    vevent.add("transp", "TRANSPARENT")
    return vevent


def calendar(events, *, name: str, stamp: dt.datetime | None = None) -> bytes:
    """A VCALENDAR with one all-day VEVENT per event, encoded as UTF-8."""
    stamp = (stamp or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    book = icalendar.Calendar()
    # X-WR-CALNAME is not in the standard: the package escapes it only when told it is text
    for key, value in (("version", "2.0"), ("prodid", PRODID), ("calscale", "GREGORIAN"),
                       ("method", "PUBLISH"), ("x-wr-calname", icalendar.vText(name))):
        book.add(key, value)
    for event in events:
        book.add_component(_vevent(event, stamp))
    return book.to_ical()
