import pytest

from tests.donations.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe


@pytest.fixture(scope="session")
def fake_stripe_server():
    fake = FakeStripe()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_fake(fake_stripe_server, settings):
    """Stripe switched on, with the real library pointed at the local fake."""
    fake_stripe_server.reset()
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake_campaign"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake_stripe_server.url
    yield fake_stripe_server
    fake_stripe_server.reset()


@pytest.fixture
def no_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_API_BASE = ""
