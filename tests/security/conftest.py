from tests.donations.conftest import fake_stripe_server, stripe_fake  # noqa: F401
