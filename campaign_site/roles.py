"""The roles staff accounts are given: one table, synced to groups after every migrate.

- Organiser: sessions and their sign-ups, updates to the list, the campaign's copy; proposes
  spending items (the agent approves them).
- Agent: donations, their permissibility checks and the spending-return export; the
  spending ledger (the limit, approving, changing and deleting items, the return).
- Data manager: supporters (search, export, erasure), sign-up exports, phonebank results
  exports.
- The phonebank: the Organiser builds call lists and scripts, imports contacts, uploads the
  TPS and Corporate TPS files, keeps the do-not-call list, suspends callers and reads
  results; exporting results is the Data manager's (a separate permission, like every
  export).

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
        # Phonebank: lists, scripts, results, the do-not-call list, callers; imports.
        "phonebank.add_calllist",
        "phonebank.change_calllist",
        "phonebank.view_calllist",
        "phonebank.add_script",
        "phonebank.change_script",
        "phonebank.delete_script",
        "phonebank.view_script",
        "phonebank.add_scriptstep",
        "phonebank.change_scriptstep",
        "phonebank.delete_scriptstep",
        "phonebank.view_scriptstep",
        "phonebank.view_contact",
        "phonebank.view_callassignment",
        "phonebank.view_callrecord",
        "phonebank.add_donotcall",
        "phonebank.view_donotcall",
        "phonebank.add_callersuspension",
        "phonebank.change_callersuspension",
        "phonebank.view_callersuspension",
        "phonebank.add_contactimport",
        "phonebank.view_contactimport",
        "phonebank.import_contacts",
        "phonebank.add_screeningfile",
        "phonebank.view_screeningfile",
        "campaign_site.add_sourcecode",
        "campaign_site.change_sourcecode",
        "campaign_site.view_sourcecode",
        "phonebank.view_phonebanksettings",
        "phonebank.change_phonebanksettings",
        # The spending ledger: organisers propose items; the agent approves them.
        "donations.add_spendingitem",
        "donations.view_spendingitem",
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
        "campaign_site.view_sourcecode",
        "donations.view_spendingsettings",
        "donations.change_spendingsettings",
        "donations.add_spendingitem",
        "donations.view_spendingitem",
        "donations.change_spendingitem",
        "donations.delete_spendingitem",
        "donations.approve_spendingitem",
        "donations.export_spendingitem",
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
        "phonebank.view_calllist",
        "phonebank.view_callrecord",
        "phonebank.view_donotcall",
        "phonebank.export_results",
    ],
}
