from __future__ import annotations

import factory

from ltc.customers.models import Account, Contact
from ltc.org.tests.factories import UserFactory

VALID_CREDIT_CODE = "91350100M000100Y43"  # a published valid example


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"测试客户{n}有限公司")
    name_key = factory.LazyAttribute(lambda a: a.name.removesuffix("有限公司"))
    owner = factory.SubFactory(UserFactory, roles=["ar"])
    region = "east"
    industry = "manufacturing"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.cn")
    email_key = factory.LazyAttribute(lambda c: c.email)
