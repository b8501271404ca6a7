"""Business records are read-only in Django's admin: they change only through their services
(version check, process gates, timeline). Configuration stays editable there."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ltc.catalog.tests.factories import product
from ltc.core.models import TimelineEvent
from ltc.customers.tests.factories import ContactFactory
from ltc.org.tests.factories import UserFactory


@pytest.fixture
def superuser_client(world) -> Client:
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    return client


def _records(world):
    contact = ContactFactory(account=world.account, name="张伟")
    item = product("MES-SRV", "MES 服务器")
    return {
        "lead": (world.lead, {"status": "qualified", "company_name": "改过的线索"}, "company_name"),
        "account": (world.account, {"name": "改过的客户", "status": "inactive"}, "name"),
        "contact": (contact, {"name": "改过的联系人", "account": world.account.pk}, "name"),
        "product": (item, {"code": "CHANGED", "name": "改过的产品"}, "name"),
    }


@pytest.mark.parametrize("which", ["lead", "account", "contact", "product"])
def test_admin_shows_a_business_record_but_refuses_to_change_it(world, superuser_client, which):
    record, changes, field = _records(world)[which]
    opts = record._meta
    before = {f.attname: getattr(record, f.attname) for f in opts.concrete_fields}
    events = TimelineEvent.objects.count()
    change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])

    page = superuser_client.get(change_url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert str(getattr(record, field)).encode() in page.content

    refused = superuser_client.post(change_url, {**changes, "version": getattr(record, "version", 1)})
    assert refused.status_code == 403
    assert superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
    delete_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[record.pk])
    assert superuser_client.post(delete_url, {"post": "yes"}).status_code == 403

    record.refresh_from_db()
    assert {f.attname: getattr(record, f.attname) for f in opts.concrete_fields} == before
    assert TimelineEvent.objects.count() == events


def test_configuration_stays_editable_in_admin(world, superuser_client):
    for name in ("leads_webform",):
        page = superuser_client.get(reverse(f"admin:{name}_add"))
        assert page.status_code == 200, name
        assert b'name="_save"' in page.content, name
