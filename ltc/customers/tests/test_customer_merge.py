"""Merging duplicate accounts and contacts: services, API and pages."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.billing.models import Invoice
from ltc.catalog.models import ContractPrice
from ltc.contracts.models import Contract
from ltc.contracts.tests.factories import make_contract, team_of
from ltc.core.activities import activity_create
from ltc.core.concurrency import StaleVersionError
from ltc.core.models import Activity, TimelineEvent
from ltc.customers import services
from ltc.customers.models import Account, Contact
from ltc.customers.tests.factories import VALID_CREDIT_CODE, AccountFactory, ContactFactory
from ltc.leads.models import Lead
from ltc.leads.tests.factories import LeadFactory
from ltc.opportunities.models import Opportunity, Stakeholder
from ltc.opportunities.tests.factories import make_opportunity
from ltc.quotes.models import Quote


def _events(record):
    return TimelineEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
    ).order_by("at", "id")


@pytest.fixture
def twin(world):
    """The duplicate of world.account, entered by the teammate with the credit code and a phone."""
    return AccountFactory(
        owner=world.teammate,
        name="锦程智能制造股份有限公司",
        name_key="锦程智能制造",
        credit_code=VALID_CREDIT_CODE,
        phone="0512-6666",
        region="",
    )


# --- accounts: services ----------------------------------------------------------------------


def test_merge_moves_every_reference_and_keeps_the_source_marked_merged(world, twin):
    # given a deal, its quote, its contract, a lead and a contact on world.account (the source)
    contract = make_contract(world, team_of(world))
    quote, deal = contract.quote, contract.opportunity
    lead = LeadFactory(owner=world.owner, account=world.account)
    contact = ContactFactory(account=world.account, name="王芳")
    subsidiary = AccountFactory(owner=world.owner, parent=world.account)
    source = Account.objects.get(pk=world.account.pk)
    # when the manager merges it into the twin
    merged = services.account_merge(actor=world.manager, target=twin, source=source, expected_version=1)
    # then everything points at the twin
    assert merged.pk == twin.pk
    assert Opportunity.objects.get(pk=deal.pk).account_id == twin.pk
    assert Quote.objects.get(pk=quote.pk).account_id == twin.pk
    assert Contract.objects.get(pk=contract.pk).account_id == twin.pk
    assert Lead.objects.get(pk=lead.pk).account_id == twin.pk
    assert Contact.objects.get(pk=contact.pk).account_id == twin.pk
    assert Account.objects.get(pk=subsidiary.pk).parent_id == twin.pk
    for model in (Opportunity, Quote, Contract, Lead, Contact, Invoice, ContractPrice):
        assert not model.objects.filter(account=source.pk).exists()
    # a moved record gets a new version and a timeline line naming the move
    assert Contact.objects.get(pk=contact.pk).version == 2
    moved = _events(contact).get(kind="changed")
    assert moved.changes == [{"field": "account", "old": "锦程智能制造有限公司", "new": "锦程智能制造股份有限公司"}]
    # the source is kept, marked merged, and no longer counts as a duplicate
    source.refresh_from_db()
    assert source.merged_into_id == twin.pk
    assert source.version == 2
    assert Account.objects.active().filter(pk=source.pk).exists() is False


def test_merge_keeps_both_timelines_and_fills_the_targets_empty_fields(world):
    source = AccountFactory(owner=world.teammate, name="锦程智能", credit_code=VALID_CREDIT_CODE, phone="0512-6666")
    services.account_note_add(actor=world.teammate, account=source, text="源客户的拜访记录")
    call = activity_create(actor=world.teammate, subject=source, kind="call", title="回访", done=True)
    target = Account.objects.get(pk=world.account.pk)
    services.account_note_add(actor=world.owner, account=target, text="目标客户的记录")

    services.account_merge(actor=world.admin, target=target, source=source, expected_version=1)

    target.refresh_from_db()
    assert (target.credit_code, target.phone, target.region, target.version) == (
        VALID_CREDIT_CODE,
        "0512-6666",
        "east",
        2,
    )
    texts = list(_events(target).values_list("kind", "text"))
    assert ("note", "目标客户的记录") in texts
    assert ("note", f"From merged #{source.pk}: 源客户的拜访记录") in texts
    assert ("note", f"Merged account “锦程智能” (#{source.pk}) into this one.") in texts
    filled = _events(target).get(kind="changed")
    assert {(c["field"], c["old"], c["new"]) for c in filled.changes} == {
        ("credit_code", "", VALID_CREDIT_CODE),
        ("phone", "", "0512-6666"),
    }
    source_texts = list(_events(source).values_list("kind", "text"))
    assert ("note", "源客户的拜访记录") in source_texts
    assert ("note", f"Merged into account “锦程智能制造有限公司” (#{target.pk}).") in source_texts
    assert Activity.objects.get(pk=call.pk).object_id == target.pk
    # the merged account no longer holds the code: the target does, and nobody else may take it
    with pytest.raises(services.CreditCodeTaken) as excinfo:
        services.account_create(actor=world.owner, data={"name": "第三家", "credit_code": VALID_CREDIT_CODE})
    assert excinfo.value.existing.pk == target.pk


def test_contract_prices_move_with_the_account(world):
    from ltc.catalog.tests.factories import Catalog

    catalog = Catalog()
    source = AccountFactory(owner=world.owner)
    price = ContractPrice.objects.create(
        account=source, product=catalog.service, unit_price="100.00", currency="CNY", valid_from="2026-01-01"
    )
    services.account_merge(actor=world.manager, target=world.account, source=source, expected_version=1)
    assert ContractPrice.objects.get(pk=price.pk).account_id == world.account.pk


@pytest.mark.parametrize("actor", ["owner", "teammate", "other", "executive", "finance"])
def test_only_admins_and_managers_above_both_owners_may_merge(world, twin, actor):
    contact = ContactFactory(account=twin)
    with pytest.raises(PermissionDenied):
        services.account_merge(actor=getattr(world, actor), target=world.account, source=twin, expected_version=1)
    assert Account.objects.get(pk=twin.pk).merged_into_id is None
    assert Contact.objects.get(pk=contact.pk).account_id == twin.pk
    assert not TimelineEvent.objects.filter(kind="note").exists()


def test_refused_merges_change_nothing(world, twin):
    with pytest.raises(ValidationError) as excinfo:
        services.account_merge(actor=world.admin, target=twin, source=twin, expected_version=1)
    assert "source_id" in excinfo.value.message_dict
    with pytest.raises(StaleVersionError):
        services.account_merge(actor=world.admin, target=twin, source=world.account, expected_version=7)
    child = AccountFactory(owner=world.owner, parent=world.account)
    with pytest.raises(ValidationError):
        services.account_merge(actor=world.admin, target=child, source=world.account, expected_version=1)
    services.account_merge(actor=world.admin, target=twin, source=world.account, expected_version=1)
    with pytest.raises(ValidationError):  # the child moved to the twin (version 2); the source is merged
        services.account_merge(actor=world.admin, target=child, source=world.account, expected_version=2)
    assert Account.objects.get(pk=child.pk).parent_id == twin.pk
    assert Account.objects.get(pk=twin.pk).merged_into_id is None


# --- contacts: services ----------------------------------------------------------------------


def test_contact_merge_moves_leads_deal_links_and_the_decision_chain(world):
    target = ContactFactory(account=world.account, name="王芳", email="wang@jincheng.cn", email_key="wang@jincheng.cn")
    source = ContactFactory(account=world.account, name="王芳（重复）", email="", email_key="", title="CIO")
    both = make_opportunity(world, name="两人都在的项目")
    both.contacts.add(target, source)
    only_source = make_opportunity(world, name="只有重复的项目")
    only_source.contacts.add(source)
    Stakeholder.objects.create(opportunity=only_source, contact=source, role="user")
    Stakeholder.objects.create(opportunity=both, contact=target, role="decision_maker")
    kept = Stakeholder.objects.create(opportunity=both, contact=source, role="user")
    lead = LeadFactory(owner=world.owner, account=world.account, contact=source)

    services.contact_merge(actor=world.manager, target=target, source=source, expected_version=1)

    assert list(both.contacts.values_list("pk", flat=True)) == [target.pk]
    assert list(only_source.contacts.values_list("pk", flat=True)) == [target.pk]
    assert Stakeholder.objects.get(opportunity=only_source).contact_id == target.pk
    # the deal already has the target in its decision chain: the source's entry stays (kept for audit)
    assert Stakeholder.objects.get(pk=kept.pk).contact_id == source.pk
    assert Lead.objects.get(pk=lead.pk).contact_id == target.pk
    target.refresh_from_db()
    source.refresh_from_db()
    assert (target.title, target.email, target.version) == ("CIO", "wang@jincheng.cn", 2)
    assert source.merged_into_id == target.pk
    assert Contact.objects.active().filter(account=world.account).count() == 1
    note = _events(target).get(kind="note").text
    assert note == (
        f"Merged contact “王芳（重复）” (#{source.pk}) into this one. "
        "Kept on the merged record because the target already has them: decision chain: 1."
    )


def test_contact_merge_is_refused_to_the_owner_and_changes_nothing(world):
    target, source = ContactFactory(account=world.account), ContactFactory(account=world.account)
    with pytest.raises(PermissionDenied):
        services.contact_merge(actor=world.owner, target=target, source=source, expected_version=1)
    assert Contact.objects.get(pk=source.pk).merged_into_id is None


# --- API -------------------------------------------------------------------------------------


def test_api_merge_needs_if_match_and_answers_the_target(world, twin, api_as):
    api = api_as(world.manager)
    assert api.post(f"/accounts/{twin.pk}/merge", {"source_id": world.account.pk}).status_code == 428
    stale = api.post(f"/accounts/{twin.pk}/merge", {"source_id": world.account.pk}, **{"If-Match": '"5"'})
    assert stale.status_code == 412
    assert Account.objects.get(pk=world.account.pk).merged_into_id is None
    response = api.post(f"/accounts/{twin.pk}/merge", {"source_id": world.account.pk}, **{"If-Match": '"1"'})
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    assert (response.json()["id"], response.json()["version"]) == (twin.pk, 2)


def test_api_merged_account_answers_404_naming_its_target(world, twin, api_as):
    services.account_merge(actor=world.admin, target=twin, source=world.account, expected_version=1)
    response = api_as(world.manager).get(f"/accounts/{world.account.pk}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["merged_into"] == {
        "id": twin.pk,
        "name": "锦程智能制造股份有限公司",
        "url": f"/api/v1/accounts/{twin.pk}",
    }
    # the merged account is gone from lists
    names = [a["name"] for a in api_as(world.manager).get("/accounts").json()["items"]]
    assert "锦程智能制造有限公司" not in names


def test_api_merge_source_the_user_cannot_see_is_a_field_error(world, api_as):
    theirs = AccountFactory(owner=world.other)
    response = api_as(world.manager).post(
        f"/accounts/{world.account.pk}/merge", {"source_id": theirs.pk}, **{"If-Match": '"1"'}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "source_id"
    assert Account.objects.get(pk=theirs.pk).merged_into_id is None


def test_api_contact_merge(world, api_as):
    target, source = ContactFactory(account=world.account), ContactFactory(account=world.account)
    api = api_as(world.manager)
    assert api.post(f"/contacts/{target.pk}/merge", {"source_id": source.pk}).status_code == 428
    response = api.post(f"/contacts/{target.pk}/merge", {"source_id": source.pk}, **{"If-Match": '"1"'})
    assert response.status_code == 200
    assert response.json()["id"] == target.pk
    gone = api.get(f"/contacts/{source.pk}")
    assert gone.status_code == 404
    assert gone.json()["merged_into"]["id"] == target.pk
    assert api_as(world.owner).post(
        f"/contacts/{target.pk}/merge", {"source_id": source.pk}, **{"If-Match": '"2"'}
    ).status_code in (403, 422)


# --- pages -----------------------------------------------------------------------------------


def test_merge_form_is_drawn_only_for_users_who_may_merge(world, twin, web_as):
    url = f"/customers/accounts/{world.account.pk}/"
    managers_page = web_as(world.manager).get(url).content.decode()
    assert f'action="/customers/accounts/{world.account.pk}/merge/"' in managers_page
    assert f'<option value="{twin.pk}">锦程智能制造股份有限公司</option>' in managers_page
    owners_page = web_as(world.owner).get(url).content.decode()
    assert "/merge/" not in owners_page


def test_merge_from_the_page_then_the_merged_page_redirects_to_the_target(world, twin, web_as):
    client = web_as(world.manager)
    response = client.post(f"/customers/accounts/{twin.pk}/merge/", {"source": str(world.account.pk), "version": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/customers/accounts/{twin.pk}/"
    assert Account.objects.get(pk=world.account.pk).merged_into_id == twin.pk
    followed = client.get(f"/customers/accounts/{world.account.pk}/", follow=True)
    assert followed.redirect_chain == [(f"/customers/accounts/{twin.pk}/", 302)]
    assert "That record was merged into “锦程智能制造股份有限公司”." in followed.content.decode()


def test_merge_page_refuses_the_owner(world, twin, web_as):
    response = web_as(world.owner).post(
        f"/customers/accounts/{world.account.pk}/merge/", {"source": str(twin.pk), "version": "1"}
    )
    assert response.status_code == 403
    assert Account.objects.get(pk=twin.pk).merged_into_id is None


def test_contact_merge_from_the_page(world, web_as):
    target = ContactFactory(account=world.account, name="王芳")
    source = ContactFactory(account=world.account, name="王芳二号")
    client = web_as(world.manager)
    page = client.get(f"/customers/contacts/{target.pk}/").content.decode()
    assert f'<option value="{source.pk}">王芳二号</option>' in page
    assert "/merge/" not in web_as(world.owner).get(f"/customers/contacts/{target.pk}/").content.decode()
    response = client.post(f"/customers/contacts/{target.pk}/merge/", {"source": str(source.pk), "version": "1"})
    assert response["Location"] == f"/customers/contacts/{target.pk}/"
    assert Contact.objects.get(pk=source.pk).merged_into_id == target.pk
