from __future__ import annotations

import factory

from ltc.leads.models import Lead


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    source = "website"
    company_name = factory.Sequence(lambda n: f"线索公司{n}有限公司")
    company_key = factory.LazyAttribute(lambda x: x.company_name.removesuffix("有限公司"))
    contact_name = factory.Sequence(lambda n: f"线索联系人{n}")
    email = factory.Sequence(lambda n: f"lead{n}@example.cn")
    email_key = factory.LazyAttribute(lambda x: x.email)
    region = "east"
    industry = "manufacturing"
