import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.core.concurrency import StaleVersionError
from ltc.core.models import TimelineEvent
from ltc.customers import selectors, services
from ltc.customers.models import Account, Contact
from ltc.customers.tests.factories import VALID_CREDIT_CODE, AccountFactory


def test_create_normalises_records_the_timeline_and_defaults_the_owner(world):
    account = services.account_create(
        actor=world.owner, data={"name": "  苏州恒远  精密机械股份有限公司 ", "credit_code": VALID_CREDIT_CODE.lower()}
    )
    assert account.name == "苏州恒远 精密机械股份有限公司"
    assert account.name_key == "苏州恒远精密机械"
    assert account.credit_code == VALID_CREDIT_CODE
    assert account.owner == world.owner
    assert account.version == 1
    assert TimelineEvent.objects.filter(object_id=account.pk, kind="created", actor=world.owner).count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x"}, "name"),
        ({"name": "合法名称", "credit_code": "91350100M000100Y44"}, "credit_code"),
        ({"name": "合法名称", "region": "mars"}, "region"),
        ({"name": "合法名称", "phone": "call me"}, "phone"),
        ({"name": "合法名称", "website": "not a url"}, "website"),
        ({"name": "长" * 201}, "name"),
        ({"name": "合法名称", "version": 7}, "version"),
    ],
)
def test_invalid_input_is_a_field_error_and_saves_nothing(world, data, field):
    before = Account.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(actor=world.owner, data=data)
    assert field in excinfo.value.message_dict
    assert Account.objects.count() == before
    assert not TimelineEvent.objects.exists()


def test_roles_without_customer_rights_are_refused(world):
    with pytest.raises(PermissionDenied):
        services.account_create(actor=world.finance, data={"name": "财务建的客户"})
    assert not Account.objects.filter(name="财务建的客户").exists()


def test_owner_may_only_be_given_within_the_actors_teams(world):
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(actor=world.owner, data={"name": "别人的客户", "owner": world.other})
    assert "owner" in excinfo.value.message_dict
    account = services.account_create(actor=world.manager, data={"name": "经理分配的客户", "owner": world.teammate})
    assert account.owner == world.teammate


def test_update_records_old_and_new_values_and_bumps_the_version(world):
    account = world.account
    services.account_update(
        actor=world.owner, account=account, data={"status": "customer", "region": "north"}, expected_version=1
    )
    stored = Account.objects.get(pk=account.pk)
    assert (stored.status, stored.region, stored.version) == ("customer", "north", 2)
    event = TimelineEvent.objects.get(kind="changed")
    assert {(c["field"], c["old"], c["new"]) for c in event.changes} == {
        ("status", "prospect", "customer"),
        ("region", "east", "north"),
    }


def test_a_stale_update_changes_nothing(world):
    services.account_update(actor=world.owner, account=world.account, data={"phone": "021-1"}, expected_version=1)
    stale = Account.objects.get(pk=world.account.pk)
    with pytest.raises(StaleVersionError):
        services.account_update(actor=world.owner, account=stale, data={"phone": "021-2"}, expected_version=1)
    assert Account.objects.get(pk=world.account.pk).phone == "021-1"
    assert TimelineEvent.objects.filter(kind="changed").count() == 1


def test_outsiders_cannot_update(world):
    for actor in (world.teammate, world.executive):
        with pytest.raises(PermissionDenied):
            services.account_update(actor=actor, account=world.account, data={"status": "former"}, expected_version=1)
    assert Account.objects.get(pk=world.account.pk).status == "prospect"


def test_parent_cycles_are_refused(world):
    child = AccountFactory(owner=world.owner, parent=world.account)
    with pytest.raises(ValidationError) as excinfo:
        services.account_update(actor=world.owner, account=world.account, data={"parent": child}, expected_version=1)
    assert "parent" in excinfo.value.message_dict
    assert Account.objects.get(pk=world.account.pk).parent_id is None


def test_duplicates_match_normalised_name_and_credit_code_and_mark_visibility(world):
    twin = AccountFactory(owner=world.other, name="锦程智能制造股份有限公司", name_key="锦程智能制造")
    coded = AccountFactory(owner=world.owner, name="完全不同", credit_code=VALID_CREDIT_CODE)
    found = selectors.account_duplicates(
        user=world.owner, name="锦程智能制造（有限公司）", credit_code=VALID_CREDIT_CODE
    )
    by_pk = {d.pk: d for d in found}
    assert set(by_pk) == {world.account.pk, twin.pk, coded.pk}
    assert by_pk[twin.pk].visible is False
    assert by_pk[twin.pk].name == "锦程智能制造股份有限公司"  # found by the name the user typed
    assert by_pk[world.account.pk].visible is True
    assert by_pk[coded.pk].reason == "same credit code"


def test_contacts_normalise_and_find_duplicates_by_email_or_mobile(world):
    contact = services.contact_create(
        actor=world.owner,
        data={"account": world.account, "name": "王芳", "mobile": "+86 138-0013-8000", "email": "Wang.Fang@Example.cn"},
    )
    assert (contact.mobile, contact.email) == ("13800138000", "wang.fang@example.cn")
    found = selectors.contact_duplicates(user=world.owner, mobile="138 0013 8000")
    assert [d.pk for d in found] == [contact.pk]
    assert found[0].reason == "same mobile"


def test_contact_at_someone_elses_account_is_refused(world):
    theirs = AccountFactory(owner=world.other)
    with pytest.raises(PermissionDenied):
        services.contact_create(actor=world.owner, data={"account": theirs, "name": "李雷"})
    assert not Contact.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("mobile", "12345"), ("email", "not-an-email"), ("name", "")])
def test_invalid_contact_fields(world, field, value):
    data = {"account": world.account, "name": "韩梅梅", field: value}
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(actor=world.owner, data=data)
    assert field in excinfo.value.message_dict
    assert not Contact.objects.exists()


def test_delete_keeps_a_final_timeline_entry(world):
    account = AccountFactory(owner=world.owner, name="录错的客户有限公司", region="north")
    services.account_delete(actor=world.owner, account=account, expected_version=1)
    assert not Account.objects.filter(pk=account.pk).exists()
    final = TimelineEvent.objects.get(object_id=account.pk, kind="deleted")
    assert final.text == "录错的客户有限公司"
    assert {"field": "region", "old": "north", "new": ""} in final.changes


def test_an_account_in_use_cannot_be_deleted(world):
    services.contact_create(actor=world.owner, data={"account": world.account, "name": "王芳"})
    with pytest.raises(ValidationError) as excinfo:
        services.account_delete(actor=world.owner, account=world.account, expected_version=1)
    assert "contacts" in excinfo.value.messages[0]
    assert Account.objects.filter(pk=world.account.pk).exists()
    assert not TimelineEvent.objects.filter(kind="deleted").exists()


def test_a_stale_or_unauthorised_delete_changes_nothing(world):
    with pytest.raises(StaleVersionError):
        services.account_delete(actor=world.owner, account=world.account, expected_version=3)
    with pytest.raises(PermissionDenied):
        services.account_delete(actor=world.teammate, account=world.account, expected_version=1)
    assert Account.objects.filter(pk=world.account.pk).exists()


# --- one account per credit code -------------------------------------------------------------


def test_a_second_account_with_the_same_credit_code_is_refused_and_nothing_is_created(world):
    first = AccountFactory(owner=world.other, name="福州闽江科技有限公司", credit_code=VALID_CREDIT_CODE)
    with pytest.raises(services.CreditCodeTaken) as excinfo:
        services.account_create(actor=world.owner, data={"name": "闽江科技", "credit_code": VALID_CREDIT_CODE.lower()})
    assert excinfo.value.existing == first
    assert excinfo.value.message_dict == {
        "credit_code": ["This unified social credit code is already registered to another account."]
    }
    assert Account.objects.count() == 2
    assert not TimelineEvent.objects.exists()


def test_changing_the_code_to_another_accounts_is_refused(world):
    AccountFactory(owner=world.other, credit_code=VALID_CREDIT_CODE)
    with pytest.raises(services.CreditCodeTaken):
        services.account_update(
            actor=world.owner, account=world.account, data={"credit_code": VALID_CREDIT_CODE}, expected_version=1
        )
    stored = Account.objects.get(pk=world.account.pk)
    assert (stored.credit_code, stored.version) == ("", 1)
    assert not TimelineEvent.objects.exists()


def test_the_database_holds_one_active_account_per_code_and_any_number_without_one(world):
    from django.db import IntegrityError, transaction

    AccountFactory(owner=world.owner, credit_code=VALID_CREDIT_CODE)
    AccountFactory(owner=world.owner, credit_code="")
    AccountFactory(owner=world.owner, credit_code="")
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountFactory(owner=world.owner, credit_code=VALID_CREDIT_CODE)
    assert Account.objects.filter(credit_code=VALID_CREDIT_CODE).count() == 1


# --- who reads an account: the people working its deals and contracts ------------------------


def test_the_iron_triangle_of_a_deal_reads_the_account_and_its_contacts(world):
    from django.http import Http404

    from ltc.opportunities.tests.factories import make_opportunity
    from ltc.org.tests.factories import UserFactory

    sr = UserFactory(username="chen", team=world.north, roles=["sr"])
    fr = UserFactory(username="yang", team=world.north, roles=["fr"])
    sponsor = UserFactory(username="sponsor", roles=["sales_manager"])
    make_opportunity(world, sr=sr, fr=fr, sponsor=sponsor)
    contact = services.contact_create(actor=world.owner, data={"account": world.account, "name": "王芳"})
    for user in (sr, fr, sponsor):
        assert selectors.account_get(user=user, pk=world.account.pk) == world.account
        assert selectors.contact_get(user=user, pk=contact.pk) == contact
        assert [a.pk for a in selectors.account_list(user=user)] == [world.account.pk]
        assert [c.pk for c in selectors.contact_list(user=user)] == [contact.pk]
    # reading is all: changing stays with the owner side
    with pytest.raises(PermissionDenied):
        services.account_update(actor=sr, account=world.account, data={"phone": "1"}, expected_version=1)
    # a rep of the same team as the SR, not on the deal, still sees nothing
    with pytest.raises(Http404):
        selectors.account_get(user=world.other, pk=world.account.pk)
    assert list(selectors.contact_list(user=world.other)) == []


def test_the_manager_above_a_deals_sr_reads_the_account(world):
    from ltc.opportunities.tests.factories import make_opportunity
    from ltc.org.tests.factories import TeamFactory, UserFactory

    lead_of_west = UserFactory(username="west-lead", roles=["sales_manager"])
    west = TeamFactory(name="West", manager=lead_of_west)
    sr = UserFactory(username="chen", team=west, roles=["sr"])
    make_opportunity(world, sr=sr)
    assert selectors.account_get(user=lead_of_west, pk=world.account.pk) == world.account


def test_a_contracts_fr_reads_the_account(world):
    from ltc.contracts.models import Contract
    from ltc.contracts.tests.factories import make_contract, team_of
    from ltc.org.tests.factories import UserFactory

    contract = make_contract(world, team_of(world))
    yang = UserFactory(username="yang", team=world.north, roles=["fr"])
    Contract.objects.filter(pk=contract.pk).update(fr=yang)
    assert selectors.account_get(user=yang, pk=world.account.pk) == world.account


def test_an_unseen_account_found_by_its_credit_code_alone_is_not_named(world):
    theirs = AccountFactory(owner=world.other, name="福州闽江科技有限公司", credit_code=VALID_CREDIT_CODE)
    found = selectors.account_duplicates(user=world.owner, name="别的名字", credit_code=VALID_CREDIT_CODE)
    assert [(d.pk, d.name, d.visible) for d in found] == [(theirs.pk, "", False)]
