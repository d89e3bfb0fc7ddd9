import factory
from django.utils import timezone

from volunteers.models import Supporter


class SupporterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supporter

    email = factory.Sequence(lambda n: f"supporter{n}@example.org")
    wants_updates = True
    confirmed_at = factory.LazyFunction(timezone.now)
