"""Global search (core.search): every kind found by its number or name, pinyin, access, the index
kept current after commit, the rebuild command, the query budget, the page, the live list, the API."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ltc.billing import services as billing_services
from ltc.billing.models import Invoice, InvoiceKind, Payment
from ltc.billing.tests.factories import settle
from ltc.contracts.models import Order
from ltc.contracts.tests import factories as contract_factories
from ltc.core import search
from ltc.core.models import SearchDocument
from ltc.customers import services as customer_services
from ltc.customers.tests.factories import AccountFactory
from ltc.opportunities.tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


def found(user: Any, q: str) -> dict[str, list[str]]:
    return {group.kind: [hit.title for hit in group.hits] for group in search.search(user=user, q=q)}


@pytest.fixture
def executed(world: Any) -> Any:
    """A contract signed, executed (an order), billed, issued and paid; the index rebuilt."""
    team = contract_factories.contract_team(world)
    contract = contract_factories.executing_contract(world, team)
    settle(contract, world.finance)
    search.rebuild()
    return contract


def test_each_kind_is_found_by_its_number_or_name(world, executed, django_capture_on_commit_callbacks):
    contract = executed
    invoice = Invoice.objects.filter(contract=contract, kind=InvoiceKind.INVOICE).exclude(number="").first()
    with django_capture_on_commit_callbacks(execute=True):
        billing_services.tax_invoice_record(
            actor=world.finance, invoice=invoice, number="04419876", issued_on=invoice.issue_date
        )
    payment = Payment.objects.filter(account=contract.account).first()
    Payment.objects.filter(pk=payment.pk).update(bank_reference="CMB20261130778899")
    search.index_records(Payment, [payment.pk])
    order = Order.objects.filter(contract=contract).first()
    quote = contract.opportunity.quotes.first()
    executive = world.executive

    assert contract.number in " ".join(found(executive, contract.number)["contracts"])
    assert found(executive, contract.number)["contracts"][0].startswith(contract.number)  # the exact number first
    assert found(executive, quote.number)["quotes"][0].startswith(quote.number)
    assert found(executive, order.number)["orders"][0].startswith(order.number)
    assert found(world.finance, invoice.number)["invoices"] == [invoice.number]
    assert found(world.finance, "04419876")["invoices"] == [invoice.number]  # the tax invoice (发票) number
    assert found(world.finance, "778899")["payments"] == [payment.number]  # by the bank reference
    assert contract.opportunity.name in found(executive, contract.opportunity.name[:4])["deals"]
    assert world.account.name in found(executive, "锦程智能")["accounts"]
    assert str(world.lead) in found(executive, "锦程数据")["leads"]
    with django_capture_on_commit_callbacks(execute=True):
        contact = customer_services.contact_create(
            actor=world.owner, data={"account": world.account, "name": "欧阳娜娜", "mobile": "13900001234"}
        )
    assert contact.name in found(world.owner, contact.name)["contacts"]


def test_pinyin_full_and_initials_find_a_chinese_name(world):
    account = AccountFactory(owner=world.owner, name="杭州信息技术有限公司")
    search.index_records(type(account), [account.pk])

    assert found(world.owner, "hzxx")["accounts"] == ["杭州信息技术有限公司"]
    assert found(world.owner, "hangzhou")["accounts"] == ["杭州信息技术有限公司"]
    assert found(world.owner, "hang zhou xin")["accounts"] == ["杭州信息技术有限公司"]
    assert found(world.owner, "HZXX")["accounts"] == ["杭州信息技术有限公司"]
    assert found(world.owner, "hzxy") == {}
    document = SearchDocument.objects.get(object_id=account.pk, kind="accounts")
    assert document.initials == "hzxxjsyxgs"
    assert document.pinyin.startswith("hangzhouxinxijishuyouxiangongsi hang zhou xin xi")


def test_another_ars_deal_is_not_found_and_its_title_not_leaked(world, web_as, api_as):
    secret = AccountFactory(owner=world.other, name="北方秘密客户有限公司")
    make_opportunity(world, account=secret, owner=world.other, name="北方秘密项目")
    search.rebuild()
    assert "deals" in found(world.other, "北方秘密")
    assert found(world.owner, "北方秘密") == {}
    assert found(world.owner, "bfmm") == {}
    page = web_as(world.owner).get("/search/?q=北方秘密").content.decode()
    assert "北方秘密项目" not in page
    assert "北方秘密客户" not in page
    live = web_as(world.owner).get("/search/?q=北方秘密&partial=1").content.decode()
    assert "北方秘密" not in live.replace("“北方秘密”", "")  # only the echo of the query
    assert api_as(world.owner).get("/search?q=北方秘密").json() == []


def test_the_index_follows_a_rename_and_a_new_record_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        account = customer_services.account_create(actor=world.owner, data={"name": "苏州云端软件有限公司"})
    assert callbacks  # indexed on commit, not before
    assert found(world.owner, "szyd")["accounts"] == ["苏州云端软件有限公司"]

    with django_capture_on_commit_callbacks(execute=False) as pending:
        customer_services.account_update(
            actor=world.owner, account=account, data={"name": "苏州星河软件有限公司"}, expected_version=account.version
        )
    assert found(world.owner, "星河") == {}  # not yet committed: the index still has the old name
    for callback in pending:
        callback()
    assert found(world.owner, "星河")["accounts"] == ["苏州星河软件有限公司"]
    assert found(world.owner, "szxh")["accounts"] == ["苏州星河软件有限公司"]
    assert "accounts" not in found(world.owner, "云端")


def test_rebuild_command_indexes_every_kind_and_drops_the_stale(world):
    SearchDocument.objects.all().delete()
    account = AccountFactory(owner=world.owner, name="宁波港口物流有限公司")
    out = StringIO()
    call_command("search_rebuild", "--chunk", "1", stdout=out)
    assert "accounts: " in out.getvalue()
    assert SearchDocument.objects.filter(kind="accounts", object_id=account.pk).exists()
    assert SearchDocument.objects.filter(kind="leads", object_id=world.lead.pk).exists()
    account.merged_into = world.account
    account.save(update_fields=["merged_into"])
    call_command("search_rebuild", stdout=StringIO())
    assert not SearchDocument.objects.filter(kind="accounts", object_id=account.pk).exists()


def test_a_search_is_one_index_query_plus_one_per_kind(world, executed, django_assert_max_num_queries):
    executive = world.executive
    executive.refresh_from_db()
    # "锦程" matches the account, the lead, the deal, its quote, contract, invoices and payments.
    with CaptureQueriesContext(connection) as queries:
        groups = search.search(user=executive, q="锦程")
    kinds = {group.kind for group in groups}
    assert {"accounts", "leads", "deals", "contracts"} <= kinds
    index_queries = [q for q in queries.captured_queries if "core_searchdocument" in q["sql"]]
    assert len(index_queries) == 1
    with django_assert_max_num_queries(1 + len(search.kinds()) + 2):
        search.search(user=executive, q="锦程")


def test_page_groups_by_kind_and_the_live_list_links_the_records(world, web_as):
    search.rebuild()
    page = web_as(world.owner).get("/search/?q=锦程").content.decode()
    assert 'data-kind="accounts"' in page
    assert 'data-kind="leads"' in page
    assert world.account.get_absolute_url() in page
    live = web_as(world.owner).get("/search/?q=jczn&partial=1").content.decode()
    assert "<html" not in live
    assert f'href="{world.account.get_absolute_url()}"' in live


def test_api_answers_grouped_and_refuses_a_bad_query(world, api_as):
    search.rebuild()
    answer = api_as(world.owner).get("/search?q=jc&kind=accounts").json()
    assert answer == [
        {
            "kind": "accounts",
            "label": "Accounts",
            "hits": [
                {
                    "id": world.account.pk,
                    "title": world.account.name,
                    "subtitle": world.account.credit_code,
                    "url": world.account.get_absolute_url(),
                }
            ],
        }
    ]
    refused = api_as(world.owner).get("/search?q=")
    assert refused.status_code == 422
    assert api_as(world.owner).get("/search?q=" + "x" * 101).status_code == 422


def test_odd_input_is_a_plain_miss(world):
    search.rebuild()
    for q in ['"', "%", "_", "a\\", "' OR 1=1 --", "锦程\x00", "NEAR(", "text:x"]:
        assert isinstance(search.search(user=world.owner, q=q), list)
