"""What leaves the app: the iCalendar file of planned revisits and `python -m kam coverage`."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import icalendar
import pandas as pd
from hypothesis import given, strategies as st

from kam import cli
from kam.revisits import ics
from kam.revisits import coverage
from kam.i18n import translator

STAMP = dt.datetime(2026, 6, 30, 8, 0, tzinfo=dt.timezone.utc)


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars)
            out.append("\n" if nxt in "nN" else nxt)
        else:
            out.append(char)
    return "".join(out)


def test_a_calendar_file_follows_rfc_5545():
    long = "会谈内容: 2027 年框架合同, 价格; 交期 \\ 付款条件\n第二行 " * 6
    data = ics.calendar([ics.Event("P1@kam", dt.date(2026, 7, 10), "回访 华东精密机械 上门拜访", long)],
                        name="大客户回访计划", stamp=STAMP)
    text = data.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    lines = unfold(text)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and lines[-2] == "END:VCALENDAR"
    assert {"UID:P1@kam", "DTSTAMP:20260630T080000Z", "DTSTART;VALUE=DATE:20260710",
            "DTEND;VALUE=DATE:20260711"} <= set(lines)
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert "\\," in description and "\\;" in description and "\\\\" in description and "\\n" in description
    assert unescape(description.removeprefix("DESCRIPTION:")) == long


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300))
def test_any_text_stays_inside_its_own_line_and_reads_back_the_same(text):
    data = ics.calendar([ics.Event(f"{text}@kam", dt.date(2026, 7, 10), text, text)], name=text, stamp=STAMP)
    lines = unfold(data.decode("utf-8"))
    assert all(len(piece.encode("utf-8")) <= 75 for piece in data.decode("utf-8").split("\r\n"))
    assert [line.split(":")[0].split(";")[0] for line in lines[7:-3]] == [
        "SUMMARY", "DTSTART", "DTEND", "DTSTAMP", "UID", "DESCRIPTION", "TRANSP"]
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["summary"]) == str(event["description"]) == text.replace("\r\n", "\n").replace("\r", "\n")


def test_a_plan_id_with_a_line_break_cannot_add_a_line_to_the_calendar():
    plans = pd.DataFrame([{"plan_id": "P1\r\nATTENDEE:mailto:boss@example.com", "customer_id": "K1",
                           "planned_date": pd.Timestamp("2026-07-10"), "customer_name": "华东精密机械",
                           "method": "phone", "purpose": None, "content": None, "owner": None}])
    lines = unfold(coverage.calendar_file(plans, translator("en")).decode("utf-8"))
    assert not any(line.startswith("ATTENDEE") for line in lines)
    assert "UID:P1\\nATTENDEE:mailto:boss@example.com@kam.revisits" in lines


def test_open_plans_become_all_day_events_named_in_the_users_language():
    plans = pd.DataFrame([{"plan_id": "P20260710-abc123", "planned_date": pd.Timestamp("2026-07-10"),
                           "customer_id": "K1", "customer_name": "华东精密机械", "account_manager": "Li Na",
                           "method": "in_person", "purpose": "签订框架合同", "content": None, "owner": "Li Na"}])
    text = coverage.calendar_file(plans, translator("en")).decode("utf-8")
    lines = unfold(text)
    assert "SUMMARY:Revisit 华东精密机械 In person" in lines
    assert "UID:P20260710-abc123@kam.revisits" in lines
    assert lines.count("BEGIN:VEVENT") == 1


def write_book(store, today):
    store.append("customers", [
        dict(customer_id="K1", name="A", tier="important", status="active", created=dt.date(2020, 1, 1)),
        dict(customer_id="K2", name="B", tier="potential", status="active", created=dt.date(2020, 1, 1)),
        dict(customer_id="K3", name="C", tier="ordinary", status="churned", created=dt.date(2020, 1, 1)),
    ], user="t")
    store.append("sales", [dict(order_id="S1", customer_id="K1", date=today - dt.timedelta(days=40), amount=100)],
                 user="t")
    store.append("visits", [dict(visit_id="V1", customer_id="K1", date=today - dt.timedelta(days=31),
                                 method="phone")], user="t")


def run_cli(capsys, *args) -> tuple[int, str]:
    code = cli.main(list(args))
    return code, capsys.readouterr().out


def test_the_coverage_command_prints_one_row_per_active_account(store, capsys):
    day = dt.date(2026, 6, 30)
    write_book(store, day)
    code, out = run_cli(capsys, "--data", str(store.root), "coverage", "--as-of", day.isoformat())
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["customer_id", "abc_class", "last_visit", "interval_days", "days_overdue", "covered"]
    assert rows == [
        {"customer_id": "K1", "abc_class": "A", "last_visit": "2026-05-30", "interval_days": "30",
         "days_overdue": "1", "covered": "False"},
        # never visited: overdue since its filing day plus the potential tier's 60 days
        {"customer_id": "K2", "abc_class": "", "last_visit": "", "interval_days": "60",
         "days_overdue": str((day - dt.date(2020, 1, 1)).days - 60), "covered": "False"},
    ]
    code, out = run_cli(capsys, "--data", str(store.root), "coverage", "--as-of", "2026-06-29", "--format", "json")
    first = json.loads(out)[0]
    assert (first["days_overdue"], first["covered"]) == (0, True)


def test_the_coverage_command_refuses_a_bad_day(store, capsys):
    try:
        cli.main(["--data", str(store.root), "coverage", "--as-of", "2026-02-30"])
    except SystemExit as stop:
        assert stop.code == 2
    assert "not a date" in capsys.readouterr().err
