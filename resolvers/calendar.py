"""``appointment.calendarFile``: the visit as an iCalendar (RFC 5545) event, with no clinical detail.

It says when and where, and that it is an appointment at the practice; never the reason, the clinician or
the visit type, since calendars are shared and synced to places PHI must not go. The ``icalendar`` library
does the escaping and line folding RFC 5545 asks for.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar

from .appointments import AppointmentValue

SHOWN = frozenset({"booked", "pending", "arrived", "checked-in"})


def calendar_file(value: AppointmentValue, now: datetime) -> str | None:
    """The ``.ics`` text of a booked visit; ``None`` for requests, cancelled or past-status visits."""
    if value.start is None or value.status not in SHOWN:
        return None
    end = value.end or value.start + timedelta(minutes=value.minutes_duration or 30)
    event = icalendar.Event()
    event.add("uid", f"appointment-{value.id}@portal-gateway")
    event.add("dtstamp", now)
    event.add("dtstart", value.start)
    event.add("dtend", end)
    event.add("summary", f"Appointment at {value.practice_name}")
    event.add("description", "Sign in to the patient portal for the details of this appointment.")
    event.add("status", "CONFIRMED")
    if value.location is not None:
        address = value.location.address
        parts = [value.location.name or value.practice_name]
        if address is not None:
            town = (address.city, address.state, address.postal_code)
            parts += [*address.line, ", ".join(p for p in town if p)]
        event.add("location", ", ".join(p for p in parts if p))
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{value.practice_name}//Patient portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    text: bytes = calendar.to_ical()
    return text.decode("utf-8")
