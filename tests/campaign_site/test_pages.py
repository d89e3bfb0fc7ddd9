import pytest
from django.urls import reverse

from campaign_site.core.models import CampaignSettings, OutboundEmail
from campaign_site.core.selectors import campaign_settings_get

pytestmark = pytest.mark.django_db


def test_home_page_shows_the_campaign(client, stripe_keys):
    response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Chris Williamson",
        "Derby North",
        "Why Chris Williamson is standing",
        "Phonebanking",
        "Canvassing",
        "Donating",
        "£13,000",
        'href="/join/"',
        'href="/donate/"',
        'href="/events/?kind=canvass"',
    ]:
        assert text in page, text


@pytest.mark.parametrize("path", ["/", "/privacy/", "/no-such-page/"])
def test_every_page_has_the_imprint_in_its_footer(client, path):
    page = client.get(path).content.decode()

    footer = page[page.index("<footer") :]
    assert "Promoted by the election agent for Chris Williamson" in footer
    assert "on behalf of Chris Williamson (Independent)" in footer


def test_missing_page_is_friendly_and_says_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()


def test_privacy_notice_explains_special_category_data(client):
    page = client.get("/privacy/").content.decode()

    assert "special category data" in page
    assert "Stripe" in page


def test_organiser_edits_campaign_settings_in_admin_and_the_site_follows(admin_client):
    campaign_settings_get()  # warm the cache, as a live site would have it
    url = reverse("admin:campaign_site_campaignsettings_change", args=[1])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(candidate_name="Alex Example", target="20,000")

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    page = admin_client.get("/").content.decode()
    assert "Alex Example" in page
    assert "£20,000" in page
    assert CampaignSettings.objects.count() == 1


@pytest.mark.parametrize(
    ("typed", "pence"),
    [("13000", 1_300_000), ("£13,000", 1_300_000), (" 250.50 ", 25_050), ("1", 100)],
)
def test_the_target_is_typed_in_pounds_and_stored_in_pence(admin_client, typed, pence):
    url = reverse("admin:campaign_site_campaignsettings_change", args=[1])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}

    response = admin_client.post(url, {**data, "target": typed})

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert CampaignSettings.objects.get().target_pence == pence


def test_the_target_shows_in_pounds(admin_client):
    page = admin_client.get(reverse("admin:campaign_site_campaignsettings_change", args=[1]))

    assert "Fundraising target (£)" in page.content.decode()
    assert page.context["adminform"].form["target"].value() == "13,000"
    assert 'value="13,000"' in page.content.decode()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("13k", "Enter an amount in pounds, such as 13,000 or 13000.50."),
        ("12.345", "Enter an amount in pounds, such as 13,000 or 13000.50."),
        ("0.50", "Enter at least £1."),
        ("-20", "Enter an amount in pounds, such as 13,000 or 13000.50."),
        ("99999999", "Enter no more than £21,474,836.47."),
        ("", "This field is required."),
    ],
)
def test_a_target_that_is_not_money_is_refused_and_nothing_is_lost(admin_client, typed, message):
    url = reverse("admin:campaign_site_campaignsettings_change", args=[1])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}

    response = admin_client.post(url, {**data, "candidate_name": "Alex Example", "target": typed})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {"target": [message]}
    assert 'value="Alex Example"' in response.content.decode()  # what was typed stays
    assert CampaignSettings.objects.get().target_pence == 1_300_000


def test_someone_who_may_only_look_sees_the_target_in_pounds(client):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from tests.support.admin import sign_in_with_two_factor

    viewer = get_user_model().objects.create_user(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_campaignsettings"))
    sign_in_with_two_factor(client, viewer)

    page = client.get(reverse("admin:campaign_site_campaignsettings_change", args=[1]))

    assert page.status_code == 200
    assert "£13,000" in page.content.decode()


def test_campaign_settings_cannot_be_deleted_or_duplicated(admin_client):
    assert admin_client.get(reverse("admin:campaign_site_campaignsettings_add")).status_code == 403
    delete = reverse("admin:campaign_site_campaignsettings_delete", args=[1])
    assert admin_client.get(delete).status_code == 403


def test_organiser_sends_a_test_email_from_admin(admin_client, admin_user):
    change = admin_client.get(reverse("admin:campaign_site_campaignsettings_changelist"))
    assert change.url == reverse("admin:campaign_site_campaignsettings_change", args=[1])
    url = reverse("admin:campaign_site_campaignsettings_send_test_email")
    assert "Send a test email to me" in admin_client.get(change.url).content.decode()

    admin_client.post(url)

    email = OutboundEmail.objects.get()
    assert email.to == admin_user.email
    assert email.key.startswith("mail-check:")


def test_outbox_is_read_only_in_admin(admin_client, test_email_templates):
    from campaign_site.core.outbox import outbox_enqueue

    email = outbox_enqueue(
        key="hello:admin",
        to="sam@example.org",
        template=test_email_templates,
        context={"name": "Sam"},
        person=None,
        about=None,
    )

    listing = admin_client.get(reverse("admin:campaign_site_outboundemail_changelist"))
    detail = admin_client.get(reverse("admin:campaign_site_outboundemail_change", args=[email.pk]))

    assert listing.status_code == 200 and "hello:admin" in listing.content.decode()
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert admin_client.get(reverse("admin:campaign_site_outboundemail_add")).status_code == 403


def test_healthz_is_ok_when_everything_is_up(client):
    response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }


def test_healthz_is_503_naming_the_broker_when_it_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/healthz/")

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "down"
    assert body["checks"]["broker"].startswith("down")
    assert body["checks"]["database"] == "ok"


@pytest.fixture
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_x", "whsec_x"


def test_without_stripe_keys_production_offers_no_donate_buttons(client, settings):
    settings.DEBUG = False
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""

    for path in ["/", "/events/", "/no-such-page/"]:
        page = client.get(path).content.decode()
        assert 'href="/donate/"' not in page, path
        assert ">Donate<" not in page and "Donate to the campaign" not in page, path
    home = client.get("/").content.decode()
    assert "Donating" in home and "£13,000" in home  # the progress stays
    assert "Online giving opens soon." in home
    assert "not set up yet" in client.get("/donate/").content.decode()  # the page says why


def test_with_stripe_keys_every_page_offers_donate(client, stripe_keys):
    home = client.get("/").content.decode()

    assert home.count('href="/donate/"') == 3  # the menu, the hero, the help card
    assert "Online giving opens soon." not in home
    assert 'href="/donate/">Donate to the campaign' in client.get("/no-such-page/").content.decode()


def test_with_debug_on_the_donate_buttons_show_as_they_will(client, settings):
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""

    assert 'href="/donate/"' in client.get("/").content.decode()
