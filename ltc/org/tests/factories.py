from __future__ import annotations

from typing import Any

import factory

from ltc.org.models import Role, Team, User


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A user; pass roles=["ar", ...] to grant roles."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.LazyAttribute(lambda u: u.username.title())
    language = "en"
    password = factory.django.Password("pw-for-tests-1")

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            # get_or_create: transactional tests flush the roles the data migration created.
            self.roles.set([Role.objects.get_or_create(code=code)[0] for code in extracted])
            self.refresh_access_cache()
