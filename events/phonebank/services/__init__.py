"""Every write to the phonebank. Keyword-only, typed; import them from here.

Errors a caller or organiser may see are `PhonebankError` (its message is safe to show) and
its subclasses; bad input to a service is a Django `ValidationError` with a clear message.
`actor` is the staff account doing it (None for a supporter or a periodic task); `now`
defaults to `timezone.now()`.

Call lists and scripts (organisers)
    call_list_create(*, name: str, script: Script, sessions: Iterable[Event] = (),
                     retry_delay: timedelta = timedelta(hours=4), max_tries: int = 3,
                     actor: User | None = None) -> CallList
    call_list_save(*, call_list: CallList, sessions: Iterable[Event],
                   actor: User | None = None) -> CallList
        Saves a new or changed list (admin's form); only phonebank sessions.
    call_list_add_supporters(*, call_list: CallList, postcode_districts: Sequence[str] = (),
                             interests: Sequence[str] = (), actor: User | None = None,
                             now: datetime | None = None) -> int
        Adds every supporter with a phone number and phone consent in force, filtered by
        postcode district ("DE22") and/or interest ("wants_canvass_alerts", ...); returns how
        many joined the list (people already on it, or on the do-not-call list, are skipped;
        someone taken off after withdrawing who has agreed again comes back).
    script_save(*, script: Script, steps: Sequence[ScriptStep],
                deleted: Sequence[ScriptStep] = ()) -> Script
    script_problems(*, steps: Sequence[ScriptStep]) -> list[str]
        Positions used twice, jumps that do not lead further on, a political-opinion step
        without an agreement step before it.

Imports (organisers with phonebank.import_contacts)
    contacts_import_preview(*, call_list: CallList, file: IO[bytes] | IO[str] | str | bytes,
                            filename: str = "", consent_wording: str = PHONE_CALLS_LABEL,
                            source: str = "", source_date: date | None = None,
                            actor: User | None = None,
                            now: datetime | None = None) -> ContactImport
        (A screened list's import: no consent column; `source` and `source_date` needed.)
        Parses the CSV (name or first name + surname, phone, postcode, consent: where and
        when, e.g. "street stall, 14 Nov", or a separate consent date column; headers are
        matched loosely), stores the valid rows as pending and lists refused ones
        (contact_import.refused: [{line, reason, name, phone (masked)}]). Changes no list.
        Raises ImportFileError (a ValidationError) when the file as a whole is unusable.
    contacts_import_confirm(*, contact_import: ContactImport,
                            choices: Mapping[int, str] | None = None,
                            actor: User | None = None, now: datetime | None = None) -> int
        Adds the valid rows to the list (re-checking the do-not-call list and duplicates
        at that moment); returns how many were added. Audited. A row whose number is on
        file for someone else (kind "conflict" in pending_rows) needs a choice by line:
        "keep" (the person on file goes on the list; the row is not added), "new" (the old
        record is erased, the row's person added with their agreement) or "skip";
        ValidationError, nothing changed, when one is missing. Never merged silently.
    import_conflicts(contact_import: ContactImport) -> list[dict]
        The conflict rows, each with `existing`: the name on file now (not stored in the
        import, so an erasure leaves nothing behind).
    import_counts(contact_import: ContactImport) -> dict[str, int]
        What confirming would do: {"new": .., "same": .. (already on file, same person),
        "conflict": ..}.
    contacts_import_cancel(*, contact_import: ContactImport, actor: User | None = None) -> None

TPS screening (organisers; a call list's basis is "consented" or "screened")
    screening_file_load(*, kind: str, lines: Iterable[bytes | str], filename: str = "",
                        actor: User | None = None, now: datetime | None = None) -> ScreeningFile
        A TPS or CTPS file (one number a line), streamed into the hash table in place of
        the last file of its kind; holds on numbers it registers (without consent) end at
        once. Whether screened lists are served: screening.screening_status().

Do not call
    do_not_call_add(*, phone: str, reason: str = DoNotCall.Reason.ORGANISER, note: str = "",
                    actor: User | None = None, call_record: CallRecord | None = None,
                    now: datetime | None = None) -> DoNotCall
        The number is never served again, from any list, also after a later import; any
        caller holding it loses it at once.

Calling (the caller's screen; `caller` is the caller's Rsvp at a session of the list)
    contact_claim_next(*, caller: Rsvp, call_list: CallList,
                       closes_at: datetime | None = None,
                       now: datetime | None = None) -> CallAssignment | None
        The contact this caller is to call now, held for them for 15 minutes or until
        `closes_at` if sooner (assignment.held_until), with `assignment.contact` loaded;
        the number shown is logged. A caller who still holds a contact gets that same one
        back (a result must be recorded before the next). None when nobody is left to
        call right now. Raises CallerNotAllowed (suspended, not going to a session of this
        list, list not open).
    call_result_record(*, caller: Rsvp, assignment: CallAssignment, result: str,
                       answers: Mapping[int, str | Sequence[str]] | None = None,
                       notes: str = "", callback_at: datetime | None = None,
                       now: datetime | None = None) -> CallRecord
        `result` is a CallResult value; `answers` maps ScriptStep ids to the chosen option
        label (single choice, agreement "Yes"/"No"), a list of labels (multiple choice) or
        text (note). Raises ContactNotHeld if the caller does not hold this contact,
        ValidationError for answers that do not fit the script (or a political-opinion
        answer without a "Yes" at the agreement step before it), or a call-back without a
        time in the future.
    call_result_change(*, caller: Rsvp, record: CallRecord, result: str,
                       answers: Mapping[int, str | Sequence[str]] | None = None,
                       notes: str = "", callback_at: datetime | None = None,
                       now: datetime | None = None) -> CallRecord
        A caller corrects one of their last three results (CHANGEABLE_RESULTS); its
        effects are undone and redone. Raises ResultNotChangeable otherwise.
    caller_release_all(*, caller: Rsvp, now: datetime | None = None) -> int
        "I'm done for today": every contact the caller holds goes back to the pool.
    call_holds_expire(*, now: datetime | None = None) -> int
        Tidies holds past their 15 minutes back to "to call" (claims already treat them
        as free; this keeps the counts organisers see true).

Callers (organisers)
    caller_suspend(*, caller: Rsvp, reason: str, actor: User | None = None,
                   now: datetime | None = None) -> CallerSuspension
        The caller (the person, on every session) is stopped: held contacts return at
        once, and contact_claim_next / call_result_record refuse them.
    caller_suspension_lift(*, suspension: CallerSuspension, actor: User | None = None,
                           now: datetime | None = None) -> CallerSuspension
        The caller's screen should check `selectors.caller_call_lists(caller=...)` (empty
        when suspended) on every request; the services refuse a suspended caller anyway.

Results
    phonebank_results_export(*, call_list: CallList, actor: User) -> str
        CSV of the list's calls (needs phonebank.export_results; audited). Surnames and
        political-opinion answers are not in it.

Privacy
    contacts_remove_for_supporter(*, supporter_id: int, reason: str = CONSENT_WITHDRAWN,
                                  now: datetime | None = None) -> int
        Phone consent withdrawn: the supporter's contacts leave every list at once (on the
        volunteers signal `supporter_phone_consent_changed`).
    contacts_erase_for_supporter(*, supporter_id: int, now: datetime | None = None) -> int
        On `supporter_erased`: contacts, their answers and call notes.
    opinion_answers_erase_due(*, now: datetime | None = None) -> int
    phonebank_retention_erase_due(*, now: datetime | None = None) -> int
        Political-opinion answers go on the retention date itself; numbers, names,
        answers and notes the day after it passes (with the rest of volunteer data).

The caller's screen (services/screen.py: the calling window around the session, then the
calling services above)
    caller_claim(*, caller: Rsvp, hours: PhonebankSettings | None = None,
                 now: datetime | None = None) -> CallAssignment | None
        contact_claim_next over the open lists of the caller's session, only from 30
        minutes before it until it ends and within calling hours, not in the last five
        minutes before calls close (hours.LAST_CALLS_BEFORE_CLOSE), and held no later than
        the close (CallerNotAllowed says when calling opens, or that it has closed).
    caller_result_save(*, caller: Rsvp, assignment: CallAssignment, result: str,
                       answers=None, callback_at=None, notes: str = "",
                       volunteer_email: str = "", hours=None, now=None) -> CallRecord
        call_result_record, allowed until an hour after the session (the last call's
        result); a volunteer's email gets the list's own double opt-in (supporter_subscribe).
    caller_result_correct(*, caller: Rsvp, record: CallRecord, result: str, answers=None,
                          notes: str = "", callback_at=None, hours=None, now=None) -> CallRecord
        call_result_change, with the same time limit.
    phonebank_settings_update(*, phonebank_settings: PhonebankSettings) -> PhonebankSettings
        Calling hours (UK time) and the privacy line every caller reads (services/hours.py).

Reads for the caller's screen and admin are in events/phonebank/selectors.py and
events/phonebank/caller_selectors.py; when the screen is open, events/phonebank/hours.py.
"""

from events.phonebank.import_file import ImportFileError
from events.phonebank.services.calling import (
    call_holds_expire,
    call_result_change,
    call_result_record,
    caller_release_all,
    caller_suspend,
    caller_suspension_lift,
)
from events.phonebank.services.claim import contact_claim_next
from events.phonebank.services.donotcall import do_not_call_add
from events.phonebank.services.errors import (
    CallerNotAllowed,
    ContactNotHeld,
    PhonebankError,
    ResultNotChangeable,
)
from events.phonebank.services.exports import phonebank_results_export
from events.phonebank.services.hours import phonebank_settings_update
from events.phonebank.services.imports import (
    CONFLICT as IMPORT_CONFLICT,
)
from events.phonebank.services.imports import (
    contacts_import_cancel,
    contacts_import_confirm,
    contacts_import_preview,
    import_conflicts,
    import_counts,
)
from events.phonebank.services.lists import (
    call_list_add_supporters,
    call_list_create,
    call_list_save,
)
from events.phonebank.services.privacy import (
    contacts_erase_for_supporter,
    contacts_remove_for_supporter,
    opinion_answers_erase_due,
    phonebank_retention_erase_due,
)
from events.phonebank.services.screen import (
    caller_claim,
    caller_result_correct,
    caller_result_save,
)
from events.phonebank.services.screening import screening_file_load
from events.phonebank.services.scripts import script_problems, script_save

__all__ = [
    "caller_claim",
    "caller_result_correct",
    "caller_result_save",
    "phonebank_settings_update",
    "CallerNotAllowed",
    "ContactNotHeld",
    "IMPORT_CONFLICT",
    "ImportFileError",
    "PhonebankError",
    "ResultNotChangeable",
    "call_holds_expire",
    "call_list_add_supporters",
    "call_list_create",
    "call_list_save",
    "call_result_change",
    "call_result_record",
    "caller_release_all",
    "caller_suspend",
    "caller_suspension_lift",
    "contact_claim_next",
    "contacts_erase_for_supporter",
    "contacts_import_cancel",
    "contacts_import_confirm",
    "contacts_import_preview",
    "contacts_remove_for_supporter",
    "do_not_call_add",
    "import_conflicts",
    "import_counts",
    "opinion_answers_erase_due",
    "phonebank_results_export",
    "phonebank_retention_erase_due",
    "screening_file_load",
    "script_problems",
    "script_save",
]
