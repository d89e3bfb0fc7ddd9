"""Reads for the caller's screen and for organisers (admin). No writes here.

For the caller's screen
    caller_call_lists(*, caller: Rsvp) -> QuerySet[CallList]
        The open lists of the caller's session (empty if suspended or not going).
    caller_is_suspended(*, supporter_id: int) -> bool
    caller_current_hold(*, caller: Rsvp, now: datetime | None = None) -> CallAssignment | None
        The contact the caller holds and has not recorded a result for (hold may have run
        out but nobody else took it), with contact and call_list loaded.
    caller_changeable_records(*, caller: Rsvp) -> list[CallRecord]
        The caller's last three results (newest first): the ones they may change.
    script_steps(*, script: Script) -> list[ScriptStep]
        Ordered; the fixed first step (CALL_RESULT_STEP) is not a row: see
        `call_result_choices()`.
    call_result_choices() -> list[tuple[str, str]]

    The script is rendered by templates/events/phonebank/_script.html, with the context
    {"script": Script, "steps": [ScriptStep], "result_choices": [(value, label)],
     "contact": Contact | None, "preview": bool}; admin's preview renders the same.

For organisers
    phonebank_results(*, call_list: CallList | None = None, session: Event | None = None,
                      now: datetime | None = None) -> PhonebankResults
        calls made, people reached, result mix, answers per question, callbacks due,
        calls per caller, with implausible-caller flags.
"""
