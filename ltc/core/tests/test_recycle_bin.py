"""The recycle bin: delete into it, restore within 30 days, purge after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ltc.core import recycle
from ltc.core.activities import activity_create, activity_delete
from ltc.core.models import Activity, RecycledRecord, TimelineEvent, TimelineKind
from ltc.customers import services as customer_services
from ltc.customers.models import Contact
from ltc.customers.tests.factories import ContactFactory
from ltc.leads import services as lead_services
from ltc.leads.models import Lead
from ltc.leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _activity(world, lead):
    return activity_create(
        actor=world.owner, subject=lead, kind="call", title="确认预算", due_at=timezone.now() + timedelta(days=1)
    )


def test_lead_delete_and_restore_round_trip_with_its_activities(world):
    lead = world.lead
    activity = _activity(world, lead)

    item = lead_services.lead_delete(actor=world.owner, lead=lead, expected_version=lead.version)

    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert (item.kind, item.object_id, item.label, item.deleted_by) == (
        "lead",
        lead.pk,
        "锦程数据科技有限公司",
        world.owner,
    )
    assert [i.pk for i in recycle.bin_list(user=world.owner)] == [item.pk]

    restored = recycle.record_restore(actor=world.owner, item=item)

    assert restored.pk == lead.pk
    again = Lead.objects.get(pk=lead.pk)
    assert (again.company_name, again.owner_id, again.version) == ("锦程数据科技有限公司", world.owner.pk, lead.version)
    assert Activity.objects.get(pk=activity.pk).title == "确认预算"
    kinds = list(
        TimelineEvent.objects.filter(object_id=lead.pk, content_type__model="lead").values_list("kind", flat=True)
    )
    assert kinds[:2] == [TimelineKind.RESTORED, TimelineKind.DELETED]
    item.refresh_from_db()
    assert item.restored_by == world.owner
    assert item.restored_at is not None
    assert recycle.bin_list(user=world.owner) == []


def test_restore_after_30_days_is_refused_and_changes_nothing(world):
    item = lead_services.lead_delete(actor=world.owner, lead=world.lead)
    later = item.deleted_at + timedelta(days=30, minutes=1)

    with pytest.raises(ValidationError) as exc:
        recycle.record_restore(actor=world.owner, item=item, now=later)

    assert "30 days" in " ".join(exc.value.messages)
    assert not Lead.objects.filter(pk=world.lead.pk).exists()
    item.refresh_from_db()
    assert item.restored_at is None


def test_restore_twice_is_refused(world):
    item = lead_services.lead_delete(actor=world.owner, lead=world.lead)
    recycle.record_restore(actor=world.owner, item=item)
    with pytest.raises(ValidationError):
        recycle.record_restore(actor=world.owner, item=item)


def test_purge_drops_old_snapshots_once(world):
    old = lead_services.lead_delete(actor=world.owner, lead=world.lead)
    fresh = lead_services.lead_delete(actor=world.owner, lead=LeadFactory(owner=world.owner))
    RecycledRecord.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - timedelta(days=31))

    assert recycle.bin_purge() == 1
    assert recycle.bin_purge() == 0

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.snapshot == []
    assert old.purged_at is not None
    assert fresh.snapshot
    assert fresh.purged_at is None
    with pytest.raises(ValidationError):
        recycle.record_restore(actor=world.owner, item=old)


def test_purge_task_runs_the_purge(world):
    from ltc.core.tasks import purge_recycle_bin

    item = lead_services.lead_delete(actor=world.owner, lead=world.lead)
    RecycledRecord.objects.filter(pk=item.pk).update(deleted_at=timezone.now() - timedelta(days=31))

    assert purge_recycle_bin.call() == 1
    assert purge_recycle_bin.call() == 0


def test_another_ar_may_not_delete_nor_see_nor_restore(world):
    with pytest.raises(PermissionDenied):
        lead_services.lead_delete(actor=world.other, lead=world.lead)
    assert Lead.objects.filter(pk=world.lead.pk).exists()

    item = lead_services.lead_delete(actor=world.owner, lead=world.lead)
    assert recycle.bin_list(user=world.other) == []
    from django.http import Http404

    with pytest.raises(Http404):
        recycle.bin_get(user=world.other, pk=item.pk)
    with pytest.raises(PermissionDenied):
        recycle.record_restore(actor=world.other, item=item)
    assert not Lead.objects.filter(pk=world.lead.pk).exists()
    assert [i.pk for i in recycle.bin_list(user=world.admin)] == [item.pk]


def test_converted_lead_is_not_deleted(world):
    Lead.objects.filter(pk=world.lead.pk).update(status="converted", converted_at=timezone.now())
    world.lead.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        lead_services.lead_delete(actor=world.owner, lead=world.lead)
    assert "status" in exc.value.message_dict
    assert Lead.objects.filter(pk=world.lead.pk).exists()
    assert not RecycledRecord.objects.exists()


def test_lead_another_lead_was_merged_into_is_refused(world):
    other = LeadFactory(owner=world.owner)
    lead_services.lead_merge(actor=world.owner, survivor=world.lead, other=other)
    world.lead.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        lead_services.lead_delete(actor=world.owner, lead=world.lead)
    assert "leads" in " ".join(exc.value.messages)
    assert Lead.objects.filter(pk=world.lead.pk).exists()
    assert not RecycledRecord.objects.exists()


def test_financial_records_are_not_registered(world):
    from ltc.billing.models import Invoice
    from ltc.contracts.models import Contract
    from ltc.quotes.models import Quote

    registered = {kind.model for kind in recycle.REGISTRY.values()}
    assert registered.isdisjoint({Invoice, Contract, Quote})
    assert {kind.key for kind in recycle.REGISTRY.values()} >= {"lead", "contact", "account", "activity"}
    with pytest.raises(PermissionDenied):
        recycle.record_recycle(actor=world.admin, record=world.finance)


def test_contact_delete_goes_to_the_bin_and_back(world):
    contact = ContactFactory(account=world.account, name="王经理")
    customer_services.contact_delete(actor=world.owner, contact=contact, expected_version=contact.version)
    item = RecycledRecord.objects.get(kind="contact")

    recycle.record_restore(actor=world.owner, item=item)

    assert Contact.objects.get(pk=contact.pk).name == "王经理"


def test_restore_refused_when_what_it_belonged_to_is_gone(world):
    contact = ContactFactory(account=world.account, name="王经理")
    customer_services.contact_delete(actor=world.owner, contact=contact, expected_version=contact.version)
    customer_services.account_delete(actor=world.owner, account=world.account, expected_version=world.account.version)
    item = RecycledRecord.objects.get(kind="contact")

    with pytest.raises(ValidationError) as exc:
        recycle.record_restore(actor=world.owner, item=item)

    assert "no longer exists" in " ".join(exc.value.messages)
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_restore_refused_when_a_unique_value_is_taken(world):
    from ltc.customers.tests.factories import VALID_CREDIT_CODE, AccountFactory

    account = AccountFactory(owner=world.owner, credit_code=VALID_CREDIT_CODE)
    customer_services.account_delete(actor=world.owner, account=account, expected_version=account.version)
    AccountFactory(owner=world.owner, credit_code=VALID_CREDIT_CODE)
    item = RecycledRecord.objects.get(kind="account")

    with pytest.raises(ValidationError):
        recycle.record_restore(actor=world.owner, item=item)
    item.refresh_from_db()
    assert item.restored_at is None


def test_account_still_referred_to_is_refused(world):
    ContactFactory(account=world.account)
    with pytest.raises(ValidationError) as exc:
        customer_services.account_delete(
            actor=world.owner, account=world.account, expected_version=world.account.version
        )
    assert "former customer" in " ".join(exc.value.messages)
    assert not RecycledRecord.objects.exists()


def test_activity_delete_and_restore(world):
    activity = _activity(world, world.lead)
    pk = activity.pk
    with pytest.raises(PermissionDenied):
        activity_delete(actor=world.other, activity=activity)
    item = activity_delete(actor=world.owner, activity=activity)
    assert not Activity.objects.filter(pk=pk).exists()
    recycle.record_restore(actor=world.owner, item=item)
    assert Activity.objects.get(pk=pk).title == "确认预算"


# --- API ---------------------------------------------------------------------------------------


def test_api_delete_lead_list_bin_and_restore(world, api_as):
    owner = api_as(world.owner)
    lead = world.lead

    assert owner.request("DELETE", f"/leads/{lead.pk}").status_code == 428
    assert owner.request("DELETE", f"/leads/{lead.pk}", **{"If-Match": '"99"'}).status_code == 412
    assert Lead.objects.filter(pk=lead.pk).exists()

    response = owner.request("DELETE", f"/leads/{lead.pk}", **{"If-Match": f'"{lead.version}"'})
    assert response.status_code == 204
    assert owner.get(f"/leads/{lead.pk}").status_code == 404

    page = owner.get("/recycle-bin").json()
    assert page["total"] == 1
    entry = page["items"][0]
    assert (entry["kind"], entry["record_id"], entry["label"]) == ("lead", lead.pk, "锦程数据科技有限公司")
    assert (entry["days_left"], entry["may_restore"], entry["deleted_by"]) == (29, True, str(world.owner))
    assert api_as(world.other).get("/recycle-bin").json()["items"] == []
    assert api_as(world.other).post(f"/recycle-bin/{entry['id']}/restore").status_code == 404

    restored = owner.post(f"/recycle-bin/{entry['id']}/restore")
    assert restored.status_code == 200
    assert restored.json() == {
        "kind": "lead",
        "record_id": lead.pk,
        "label": "锦程数据科技有限公司",
        "url": f"/leads/{lead.pk}/",
    }
    assert owner.get(f"/leads/{lead.pk}").status_code == 200
    again = owner.post(f"/recycle-bin/{entry['id']}/restore")
    assert again.status_code == 404


def test_api_refuses_a_converted_lead_with_a_field_error(world, api_as):
    Lead.objects.filter(pk=world.lead.pk).update(status="converted", converted_at=timezone.now())
    response = api_as(world.owner).request("DELETE", f"/leads/{world.lead.pk}", **{"If-Match": '"1"'})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["status"]
    assert Lead.objects.filter(pk=world.lead.pk).exists()


def test_api_another_ar_may_not_delete(world, api_as):
    response = api_as(world.other).request("DELETE", f"/leads/{world.lead.pk}", **{"If-Match": '"1"'})
    assert response.status_code == 404
    assert Lead.objects.filter(pk=world.lead.pk).exists()


def test_api_restore_too_late_is_a_422(world, api_as):
    item = lead_services.lead_delete(actor=world.owner, lead=world.lead)
    RecycledRecord.objects.filter(pk=item.pk).update(deleted_at=timezone.now() - timedelta(days=30, minutes=1))
    # Before the daily purge comes by, the refusal says why.
    response = api_as(world.owner).post(f"/recycle-bin/{item.pk}/restore")
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "Deleted records can be restored for 30 days only."
    assert not Lead.objects.filter(pk=world.lead.pk).exists()


def test_bin_list_query_budget(world, api_as, django_assert_max_num_queries):
    for _ in range(5):
        lead_services.lead_delete(actor=world.owner, lead=LeadFactory(owner=world.owner))
    contact = ContactFactory(account=world.account)
    customer_services.contact_delete(actor=world.owner, contact=contact, expected_version=contact.version)
    client = api_as(world.owner)
    with django_assert_max_num_queries(12):
        page = client.get("/recycle-bin").json()
    assert len(page["items"]) == 6
    assert all(item["may_restore"] for item in page["items"])


# --- pages and mass delete -------------------------------------------------------------------


def test_mass_delete_of_leads_reports_each_refusal(world, web_as):
    mine = LeadFactory(owner=world.owner)
    converted = LeadFactory(owner=world.owner, status="converted", converted_at=timezone.now())
    theirs = LeadFactory(owner=world.other)
    ids = [mine.pk, converted.pk, theirs.pk]
    body = {"action": "delete", "ids": [str(i) for i in ids], "next": "/leads/"}
    body |= {f"version_{i}": "1" for i in ids}

    response = web_as(world.owner).post("/leads/bulk/", body, follow=True)

    texts = [str(m) for m in response.context["messages"]]
    assert "1 records moved to the recycle bin; you can restore them within 30 days." in texts
    assert any(converted.company_name in t and "converted lead cannot be deleted" in t for t in texts)
    assert "1 selected records are not visible to you." in texts
    assert not Lead.objects.filter(pk=mine.pk).exists()
    assert Lead.objects.filter(pk__in=[converted.pk, theirs.pk]).count() == 2


def test_mass_delete_of_contacts_stale_row_left_alone(world, web_as):
    first = ContactFactory(account=world.account, name="甲")
    second = ContactFactory(account=world.account, name="乙")
    body = {"action": "delete", "ids": [str(first.pk), str(second.pk)], f"version_{first.pk}": "1"}
    body[f"version_{second.pk}"] = "7"

    response = web_as(world.owner).post("/customers/contacts/bulk/", body, follow=True)

    texts = [str(m) for m in response.context["messages"]]
    assert texts[0] == "1 records moved to the recycle bin; you can restore them within 30 days."
    assert texts[1].startswith("“乙” not deleted:")
    assert list(Contact.objects.filter(pk__in=[first.pk, second.pk]).values_list("name", flat=True)) == ["乙"]


def test_lists_draw_tick_boxes_only_for_deletable_rows(world, web_as):
    converted = LeadFactory(owner=world.owner, status="converted", converted_at=timezone.now())
    html = web_as(world.owner).get("/leads/").content.decode()
    assert f'name="ids" value="{world.lead.pk}"' in html
    assert f'name="ids" value="{converted.pk}"' not in html
    assert 'value="delete"' in html

    contact = ContactFactory(account=world.account)
    assert f'name="ids" value="{contact.pk}"' in web_as(world.owner).get("/customers/contacts/").content.decode()
    exec_page = web_as(world.executive).get("/customers/contacts/").content.decode()
    assert contact.name in exec_page
    assert 'name="ids"' not in exec_page


def test_bin_page_shows_restore_only_when_allowed_and_restores(world, web_as):
    item = lead_services.lead_delete(actor=world.owner, lead=world.lead)
    page = web_as(world.owner).get("/recycle-bin/").content.decode()
    assert "锦程数据科技有限公司" in page
    assert f"/recycle-bin/{item.pk}/restore/" in page
    assert "锦程数据科技有限公司" not in web_as(world.other).get("/recycle-bin/").content.decode()

    response = web_as(world.owner).post(f"/recycle-bin/{item.pk}/restore/")

    assert response.status_code == 302
    assert response["Location"] == f"/leads/{world.lead.pk}/"
    assert Lead.objects.filter(pk=world.lead.pk).exists()


def test_lead_page_delete_button_moves_it_to_the_bin(world, web_as):
    client = web_as(world.owner)
    assert 'id="lead-delete-form"' in client.get(f"/leads/{world.lead.pk}/").content.decode()
    assert 'id="lead-delete-form"' not in web_as(world.executive).get(f"/leads/{world.lead.pk}/").content.decode()

    response = client.post(f"/leads/{world.lead.pk}/delete/", {"version": str(world.lead.version)}, follow=True)

    assert "moved to the recycle bin" in " ".join(str(m) for m in response.context["messages"])
    assert RecycledRecord.objects.filter(kind="lead", object_id=world.lead.pk).exists()


def test_contact_list_tick_boxes_cost_no_query_per_row(world, web_as, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = web_as(world.owner)
    ContactFactory(account=world.account)
    with CaptureQueriesContext(connection) as few:
        client.get("/customers/contacts/")
    for _ in range(20):
        ContactFactory(account=world.account)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/customers/contacts/").content.decode()
    assert html.count('name="ids"') == 21


def test_lead_list_tick_boxes_cost_no_query_per_row(world, web_as, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = web_as(world.manager)
    with CaptureQueriesContext(connection) as few:
        client.get("/leads/")
    for _ in range(10):
        LeadFactory(owner=world.owner)
        LeadFactory(owner=world.teammate)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/leads/").content.decode()
    assert html.count('name="ids"') == 21
