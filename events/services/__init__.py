"""Every write to sessions and sign-ups. See the modules for the workflows."""

from events.services.alerts import (
    alert_digest_add,
    alert_digest_plan,
    alert_digest_send,
    alert_digests_send_due,
)
from events.services.my_sessions import my_sessions_link_request, my_sessions_link_send
from events.services.reminders import reminders_send_due
from events.services.rsvps import (
    SignupClosed,
    SignupOutcome,
    rsvp_attendance_set,
    rsvp_cancel,
    rsvp_create,
    rsvps_erase_for_supporter,
    rsvps_fill_free_spots,
)
from events.services.sessions import (
    SessionError,
    event_cancel,
    event_create,
    event_duplicate,
    event_message_people_going,
    event_publish,
    event_repeat_weekly,
    event_update,
)

__all__ = [
    "alert_digest_add",
    "alert_digest_plan",
    "alert_digest_send",
    "alert_digests_send_due",
    "SessionError",
    "SignupClosed",
    "SignupOutcome",
    "event_cancel",
    "event_create",
    "event_duplicate",
    "event_message_people_going",
    "event_publish",
    "event_repeat_weekly",
    "event_update",
    "my_sessions_link_request",
    "my_sessions_link_send",
    "reminders_send_due",
    "rsvp_attendance_set",
    "rsvp_cancel",
    "rsvp_create",
    "rsvps_erase_for_supporter",
    "rsvps_fill_free_spots",
]
