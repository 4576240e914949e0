"""factory_boy factories shared by every app's tests."""

import factory

from stq.org.models import Role, RoleGrant, Unit, User


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Đơn vị {o.code}")
    level_label = "Đội"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    password = factory.django.Password("pw-Stq-2026")


class GrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
    role = Role.OFFICER
    unit = factory.SubFactory(UnitFactory)
