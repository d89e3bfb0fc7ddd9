"""The words people agree to when they join the list.

Forms show exactly these strings, and `supporter_subscribe()` copies the same strings
into each Consent row, so the evidence always matches what the person saw. Change the
wording here and new consents record the new words; old rows keep theirs.
"""

from volunteers.models import Supporter

INTEREST_LABELS = {
    "wants_updates": "Campaign updates: news from the campaign, about twice a month",
    "wants_canvass_alerts": "Canvassing alerts: an email when a new door-knocking session is up",
    "wants_phonebank_alerts": "Phonebank alerts: an email when a new phonebank session is posted",
}

# The join form's one button (the /join/ page and the home page): an email address alone
# joins the list for campaign updates; the alert boxes above it are optional extras.
JOIN_BUTTON = "Join for campaign updates"

JOIN_STATEMENT = (
    "By joining, you agree that the campaign may email you campaign updates (about twice a "
    "month) and any alerts you ticked. We ask you to confirm by email first. You can change "
    "what you get or unsubscribe at any time, from a link in every email. We never share your "
    "details and never show who has signed up. See the privacy notice for how we use your data."
)

FOOTER_STATEMENT = (
    "Join the mailing list for campaign updates by email (about twice a month). We ask you to "
    "confirm first; you can unsubscribe at any time. See the privacy notice."
)

# For the "also join the mailing list" tick box on the session sign-up and donate forms.
MAILING_LIST_OPT_IN_LABEL = (
    "Also join the mailing list: send me campaign updates by email. I will confirm by email "
    "first and can unsubscribe at any time (see the privacy notice)."
)

# For the tick box on the session sign-up form (label and help text), which also asks for
# alerts of that kind of session.
RSVP_OPT_IN_LABEL = "Also join the mailing list for campaign updates and new sessions like this one"
RSVP_OPT_IN_HELP = "Optional. We will email you to confirm first, and you can leave at any time."

# Agreement to be phoned: its own box on the join, session sign-up and preferences forms,
# never ticked in advance, and only with a phone number. Recorded as a Consent with
# `wants_phone_calls` and the number (see `phone_consent_wording()`).
PHONE_CALLS_LABEL = "The campaign may phone me about the election"
PHONE_CALLS_HELP = (
    "Optional. A campaign volunteer may ring the number you give, at a reasonable hour. "
    "Untick this on your preferences page at any time and the calls stop at once."
)
PHONE_CALLS_NEEDS_NUMBER = "Add your phone number, or untick this box."

PREFERENCES_STATEMENT = (
    "Ticking a box means you agree that the campaign may email you about it. You can change "
    "this or unsubscribe at any time. See the privacy notice."
)


def consent_wording(
    *,
    source: str,
    wants_updates: bool,
    wants_canvass_alerts: bool,
    wants_phonebank_alerts: bool,
) -> str:
    """The exact text a person agreed to, for a sign-up from `source`."""
    if source == Supporter.Source.FOOTER:
        return FOOTER_STATEMENT
    if source == Supporter.Source.RSVP:
        return f"{RSVP_OPT_IN_LABEL}. {RSVP_OPT_IN_HELP}"
    if source == Supporter.Source.DONATION:
        return MAILING_LIST_OPT_IN_LABEL
    chosen = {
        "wants_updates": wants_updates,
        "wants_canvass_alerts": wants_canvass_alerts,
        "wants_phonebank_alerts": wants_phonebank_alerts,
    }
    if source == Supporter.Source.JOIN:
        # The form shows the alert boxes, the statement, then the button: campaign updates
        # are what the button says, not a box.
        alerts = [
            f"[x] {label}"
            for field, label in INTEREST_LABELS.items()
            if chosen[field] and field != "wants_updates"
        ]
        button = [f"[{JOIN_BUTTON}]"] if wants_updates else []
        return "\n".join([*alerts, JOIN_STATEMENT, *button])
    ticked = [f"[x] {label}" for field, label in INTEREST_LABELS.items() if chosen[field]]
    statement = PREFERENCES_STATEMENT if source == Supporter.Source.PREFERENCES else JOIN_STATEMENT
    return "\n".join([*ticked, statement])


def phone_consent_wording(*, phone: str) -> str:
    """The exact text a person agreed to when ticking the phone-call box, with the number."""
    return f"[x] {PHONE_CALLS_LABEL} (on {phone}). {PHONE_CALLS_HELP}"
