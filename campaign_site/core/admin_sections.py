"""The admin home's list, in the campaign's words and the order organisers work in.

Django lists apps alphabetically under their framework names (Axes, Otp_Static, Authentication
and authorization). Here the campaign's work comes first, and the sign-in and delivery
machinery sits under one "Security" heading that only superusers see (no role has those
permissions anyway). A model named nowhere below goes to the section of its app, so a new
model is never lost from the list.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    label: str  # in the page's ids and classes: app-<label>
    name: str
    # (app label, model class name) in the order shown, with a name of our own where the
    # model's is the framework's.
    models: list[tuple[str, str]]
    # Apps whose models not named above go here.
    apps: tuple[str, ...] = ()
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    superusers_only: bool = False


SECTIONS = [
    Section(
        "sessions",
        "Sessions",
        [("events", "Event"), ("events", "AlertDigest")],
        apps=("events",),
        names={("events", "AlertDigest"): "New-session alerts"},
    ),
    Section(
        "updates",
        "Updates and supporters",
        [("volunteers", "Update"), ("volunteers", "Supporter")],
        apps=("volunteers",),
    ),
    Section(
        "phonebank",
        "Phonebank",
        [
            ("phonebank", "CallList"),
            ("phonebank", "Script"),
            ("phonebank", "ContactImport"),
            ("phonebank", "Contact"),
            ("phonebank", "CallRecord"),
            ("phonebank", "DoNotCall"),
            ("phonebank", "CallerSuspension"),
            ("phonebank", "PhonebankSettings"),
        ],
        apps=("phonebank",),
    ),
    Section(
        "donations",
        "Donations",
        [
            ("donations", "Donation"),
            ("donations", "DonationToCheck"),
            ("donations", "Donor"),
            ("donations", "DonationSettings"),
        ],
        apps=("donations",),
    ),
    Section(
        "campaign",
        "Campaign settings and email",
        [
            ("campaign_site", "CampaignSettings"),
            ("campaign_site", "SourceCode"),
            ("campaign_site", "OutboundEmail"),
            ("campaign_site", "EmailSuppression"),
        ],
        apps=("campaign_site",),
    ),
    Section(
        "security",
        "Security",
        [
            ("campaign_site", "User"),
            ("auth", "Group"),
            ("otp_totp", "TOTPDevice"),
            ("otp_static", "StaticDevice"),
            ("axes", "AccessFailureLog"),
            ("axes", "AccessAttempt"),
            ("axes", "AccessLog"),
            ("campaign_site", "AuditEvent"),
            ("campaign_site", "DeliveryEvent"),
        ],
        apps=("auth", "otp_totp", "otp_static", "axes"),
        names={
            ("auth", "Group"): "Roles (groups of permissions)",
            ("otp_totp", "TOTPDevice"): "Authenticator apps",
            ("otp_static", "StaticDevice"): "Backup codes",
            ("axes", "AccessFailureLog"): "Failed sign-ins",
            ("axes", "AccessAttempt"): "Sign-in lockouts",
            ("axes", "AccessLog"): "Sign-ins",
            ("campaign_site", "AuditEvent"): "Audit log",
            ("campaign_site", "DeliveryEvent"): "Email bounces and complaints",
        },
        superusers_only=True,
    ),
]


def admin_sections(app_dict: dict, *, is_superuser: bool) -> list[dict]:
    """Django's apps (from AdminSite._build_app_dict, already cut to what the reader may
    open) regrouped into SECTIONS, in the same shape, so admin's templates render them."""
    models = {
        (app_label, model["object_name"]): model
        for app_label, app in app_dict.items()
        for model in app["models"]
    }
    named_anywhere = {key for section in SECTIONS for key in section.models}
    placed: set[tuple[str, str]] = set()
    sections = []
    for section in SECTIONS:
        named = [key for key in section.models if key in models]
        rest = sorted(
            (key for key in models if key[0] in section.apps and key not in named_anywhere),
            key=lambda key: models[key]["name"],
        )
        placed.update(named, rest)
        if section.superusers_only and not is_superuser:
            continue
        rows = [
            {**models[key], "name": section.names.get(key, models[key]["name"])} for key in named
        ]
        rows += [models[key] for key in rest]
        if rows:
            sections.append(_section(section.label, section.name, rows))
    for app_label, app in sorted(app_dict.items(), key=lambda item: item[1]["name"].lower()):
        rows = [model for model in app["models"] if (app_label, model["object_name"]) not in placed]
        if rows:
            sections.append({**app, "models": sorted(rows, key=lambda model: model["name"])})
    return sections


def _section(label: str, name: str, models: list[dict]) -> dict:
    return {
        "name": name,
        "app_label": label,
        "app_url": "",  # a section is no one app: its heading links nowhere
        "has_module_perms": True,
        "models": models,
    }
