"""The calendar invitation for a panel meeting (RFC 5545, iTIP methods REQUEST and CANCEL).

The meeting's start is written in London local time against a VTIMEZONE that carries the UK's
rules (BST from the last Sunday in March at 01:00 GMT, GMT from the last Sunday in October at
02:00 BST), so every calendar shows it at the right moment either side of a clock change. One
UID for the meeting's life; SEQUENCE goes up each time it moves or is cancelled, so calendars
replace the entry rather than add another.

The summary names the case by its reference only: no person's name is ever in an invitation.
Its words are in the member's language, as the email it comes with.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask_babel import gettext

from service import clock, i18n
from service.workdays import LONDON

if TYPE_CHECKING:
    from service.models import Case, PanelMeeting, PanelMember, Partnership

REQUEST = "REQUEST"
CANCEL = "CANCEL"
CONTENT_TYPE = "text/calendar"


def content_type(method: str) -> str:
    """The attachment's type: calendar clients look for the method to offer accept/decline."""
    return f"{CONTENT_TYPE}; method={method}"


PRODID = "-//DHR Forms//Panel meetings//EN"

_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:Europe/London",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19810329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19961027T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _param(value: str) -> str:
    """A parameter value, quoted; a double quote cannot appear in one, so it is dropped."""
    cleaned = "".join(ch for ch in value if ch != '"' and (ch >= " " or ch == "\t"))
    return f'"{cleaned}"'


def fold(line: str) -> str:
    """The line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    out: list[str] = []
    current, size, limit = "", 0, 75
    for ch in line:
        width = len(ch.encode())
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += width
    out.append(current)
    return "\r\n".join(out)


def _local(moment: dt.datetime) -> str:
    return clock.as_utc(moment).astimezone(LONDON).strftime("%Y%m%dT%H%M%S")


def _utc(moment: dt.datetime) -> str:
    return clock.as_utc(moment).strftime("%Y%m%dT%H%M%SZ")


def organizer(partnership: Partnership) -> str:
    """The DHR officer's inbox (or the partnership's contact address)."""
    inbox = partnership.inbox("dhr_officer")
    return inbox[0] if inbox else (partnership.contact_email or "")


def description(meeting: PanelMeeting, case: Case) -> str:
    """The event's text, in the language spoken around the call (``i18n.speaking``)."""
    parts = [gettext("Domestic Homicide Review panel meeting for case %(reference)s.",
                     reference=case.reference)]  # fmt: skip
    if meeting.location:
        parts.append(gettext("Where: %(place)s", place=meeting.location))
    if meeting.joining_details:
        parts.append(gettext("How to join online: %(details)s", details=meeting.joining_details))
    return "\n\n".join(parts)


def invitation(
    meeting: PanelMeeting,
    case: Case,
    partnership: Partnership,
    attendee: PanelMember,
    *,
    method: str = REQUEST,
    stamp: dt.datetime | None = None,
    language: str = "en",
) -> bytes:
    """The .ics for ``attendee``: a request (new or updated meeting) or a cancellation, its
    words in ``language``."""
    if method not in (REQUEST, CANCEL):
        raise ValueError(f"unknown iTIP method {method!r}")
    ends_at = meeting.starts_at + dt.timedelta(minutes=meeting.duration_minutes)
    with i18n.speaking(language):
        summary = gettext("DHR panel meeting %(reference)s", reference=case.reference)
        text = description(meeting, case)
        online = gettext("Online")
    where = meeting.location or (online if meeting.joining_details else "")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        *_VTIMEZONE,
        "BEGIN:VEVENT",
        f"UID:{meeting.ics_uid}@dhr-forms",
        f"SEQUENCE:{meeting.ics_sequence}",
        f"DTSTAMP:{_utc(stamp or clock.now())}",
        f"DTSTART;TZID=Europe/London:{_local(meeting.starts_at)}",
        f"DTEND;TZID=Europe/London:{_local(ends_at)}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(text)}",
    ]
    if where:
        lines.append(f"LOCATION:{escape_text(where)}")
    address = organizer(partnership)
    if address:
        lines.append(f"ORGANIZER;CN={_param(partnership.name)}:mailto:{address}")
    lines += [
        f"ATTENDEE;CN={_param(attendee.name)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
        f"RSVP=FALSE:mailto:{attendee.email}",
        f"STATUS:{'CANCELLED' if method == CANCEL else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()


def filename(case: Case, method: str = REQUEST) -> str:
    stem = "panel-meeting-cancelled" if method == CANCEL else "panel-meeting"
    return f"{stem}-{case.reference.replace('/', '-')}.ics"
