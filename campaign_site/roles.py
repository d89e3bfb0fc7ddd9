"""The roles staff accounts are given: one table, synced to groups after every migrate.

- Organiser: sessions and their sign-ups, updates to the list, the campaign's copy.
- Agent: donations, their permissibility checks and the spending-return export.
- Data manager: supporters (search, export, erasure), sign-up exports.

Exports of personal data are separate permissions. No role manages accounts, groups or
two-factor devices, and none reads the outbox (it holds receipts and working links): only a
superuser does. A permission named here that no model defines stops `migrate` with an error,
so the table cannot drift from the code.

This is configuration (it names every app), so it lives beside the settings, not in the core.
"""

ROLES: dict[str, list[str]] = {
    "Organiser": [
        "events.add_event",
        "events.change_event",
        "events.delete_event",
        "events.view_event",
        "events.view_rsvp",
        "events.change_rsvp",
        "events.view_alertdigest",
        "volunteers.add_update",
        "volunteers.change_update",
        "volunteers.delete_update",
        "volunteers.view_update",
        "volunteers.send_update",
        "campaign_site.view_campaignsettings",
        "campaign_site.change_campaignsettings",
    ],
    "Agent": [
        "donations.view_donation",
        "donations.change_donation",
        "donations.check_donation",
        "donations.export_donation",
        "donations.view_donationtocheck",
        "donations.change_donationtocheck",
        "donations.view_donor",
        "donations.view_payment",
        "donations.view_refund",
        "donations.view_stripeevent",
        "donations.view_donationsettings",
        "donations.change_donationsettings",
    ],
    "Data manager": [
        "volunteers.view_supporter",
        "volunteers.change_supporter",
        "volunteers.delete_supporter",
        "volunteers.export_supporters",
        "volunteers.view_consent",
        "volunteers.view_suppression",
        "events.view_event",
        "events.view_rsvp",
        "events.export_rsvps",
    ],
}
