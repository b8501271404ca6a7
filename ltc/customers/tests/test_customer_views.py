import io

from openpyxl import load_workbook

from ltc.customers.models import Account, Contact
from ltc.customers.tests.factories import VALID_CREDIT_CODE, AccountFactory


def _form(**overrides):
    data = {"name": "杭州云帆数据科技有限公司", "status": "prospect", "credit_code": "", "industry": "", "region": ""}
    data.update({"size": "", "website": "", "phone": "", "address": "", "description": "", "parent": ""})
    return {**data, **overrides}


def test_create_with_a_bad_credit_code_shows_the_field_error_and_saves_nothing(world, web_as):
    client = web_as(world.owner)
    response = client.post("/customers/accounts/new/", _form(owner=world.owner.pk, credit_code="91350100M000100Y44"))
    assert response.status_code == 422
    assert "check character" in response.content.decode()
    assert not Account.objects.filter(name="杭州云帆数据科技有限公司").exists()


def test_create_then_redirect_to_the_new_account(world, web_as):
    client = web_as(world.owner)
    response = client.post("/customers/accounts/new/", _form(owner=world.owner.pk, credit_code=VALID_CREDIT_CODE))
    account = Account.objects.get(name="杭州云帆数据科技有限公司")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/accounts/{account.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "杭州云帆数据科技有限公司" in page
    assert "Created" in page


def test_a_possible_duplicate_needs_confirmation(world, web_as):
    client = web_as(world.owner)
    form = _form(owner=world.owner.pk, name="锦程智能制造（有限公司）")
    warned = client.post("/customers/accounts/new/", form)
    assert warned.status_code == 422
    assert "Possible duplicates" in warned.content.decode()
    assert Account.objects.count() == 1
    confirmed = client.post("/customers/accounts/new/", {**form, "confirm_duplicate": "on"})
    assert confirmed.status_code == 302
    assert Account.objects.count() == 2


def test_edit_with_a_stale_version_warns_and_keeps_the_newer_data(world, web_as):
    client = web_as(world.owner)
    url = f"/customers/accounts/{world.account.pk}/edit/"
    form = _form(owner=world.owner.pk, name=world.account.name, region="east", industry="manufacturing", version=1)
    assert client.post(url, {**form, "phone": "021-1111"}).status_code == 302
    stale = client.post(url, {**form, "phone": "021-2222"})
    assert stale.status_code == 422
    assert "changed by someone else" in stale.content.decode()
    assert Account.objects.get(pk=world.account.pk).phone == "021-1111"


def test_list_filters_and_htmx_returns_only_the_results_partial(world, web_as):
    AccountFactory(owner=world.owner, name="北方能源有限公司", region="north")
    client = web_as(world.owner)
    full = client.get("/customers/accounts/?region=north")
    assert "北方能源有限公司" in full.content.decode()
    assert world.account.name not in full.content.decode()
    assert "<html" in full.content.decode()
    partial = client.get("/customers/accounts/?q=锦程", headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body
    assert world.account.name in body
    assert "北方能源" not in body


def test_list_ignores_bad_filter_values_instead_of_failing(world, web_as):
    response = web_as(world.owner).get("/customers/accounts/?region=mars&offset=-5&limit=abc&sort=drop")
    assert response.status_code == 200
    assert world.account.name in response.content.decode()


def test_list_page_query_budget(world, web_as, django_assert_max_num_queries):
    for _ in range(30):
        AccountFactory(owner=world.owner)
    client = web_as(world.owner)
    # the list tools add a fixed four: chosen columns, custom-field columns, saved views, people to reassign to
    with django_assert_max_num_queries(10):
        response = client.get("/customers/accounts/")
    assert response.content.decode().count('href="/customers/accounts/') >= 25


def test_export_csv_and_xlsx_follow_the_filters(world, web_as):
    AccountFactory(owner=world.owner, name="北方能源有限公司", region="north")
    client = web_as(world.owner)
    csv_response = client.get("/customers/accounts/?region=east&export=csv")
    text = b"".join(csv_response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffName,")
    assert world.account.name in text
    assert "北方能源" not in text
    xlsx = client.get("/customers/accounts/?export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Name"
    assert sorted(r[0] for r in rows[1:]) == sorted([world.account.name, "北方能源有限公司"])


def test_contact_create_normalises_and_warns_about_duplicates(world, web_as):
    client = web_as(world.owner)
    data = {"account": world.account.pk, "name": "王芳", "mobile": "+86 13800138000", "email": "", "title": ""}
    data.update({"department": "", "phone": "", "notes": ""})
    first = client.post("/customers/contacts/new/", data)
    assert first.status_code == 302
    second = client.post("/customers/contacts/new/", {**data, "name": "王芳（重复）"}, follow=True)
    assert "same email or mobile" in second.content.decode()
    assert list(Contact.objects.values_list("mobile", flat=True)) == ["13800138000", "13800138000"]


def test_contact_form_rejects_a_bad_mobile(world, web_as):
    response = web_as(world.owner).post(
        "/customers/contacts/new/", {"account": world.account.pk, "name": "王芳", "mobile": "12345"}
    )
    assert response.status_code == 422
    assert "mainland mobile" in response.content.decode()
    assert not Contact.objects.exists()


def test_notes_from_the_page(world, web_as):
    client = web_as(world.owner)
    client.post(f"/customers/accounts/{world.account.pk}/notes/", {"text": "客户希望下月演示"})
    page = client.get(f"/customers/accounts/{world.account.pk}/").content.decode()
    assert "客户希望下月演示" in page


def test_account_picker_lookup_offers_only_visible_matches(world, web_as):
    AccountFactory(owner=world.other, name="锦程物流有限公司")
    body = web_as(world.owner).get("/customers/accounts/lookup/?q=锦程").content.decode()
    assert world.account.name in body
    assert "锦程物流" not in body


# --- one account per credit code, links and buttons -----------------------------------------


def test_a_taken_credit_code_is_a_409_form_error_linking_the_existing_account(world, web_as):
    existing = AccountFactory(owner=world.owner, name="福州闽江科技有限公司", credit_code=VALID_CREDIT_CODE)
    response = web_as(world.owner).post(
        "/customers/accounts/new/", _form(owner=world.owner.pk, credit_code=VALID_CREDIT_CODE, confirm_duplicate="on")
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert (
        "This unified social credit code is already registered to “福州闽江科技有限公司”. "
        f'<a href="/customers/accounts/{existing.pk}/">Open the existing account</a>'
    ) in body
    assert not Account.objects.filter(name="杭州云帆数据科技有限公司").exists()


def test_a_taken_credit_code_of_an_unseen_account_names_nothing(world, web_as):
    existing = AccountFactory(owner=world.other, name="福州闽江科技有限公司", credit_code=VALID_CREDIT_CODE)
    response = web_as(world.owner).post(
        "/customers/accounts/new/", _form(owner=world.owner.pk, credit_code=VALID_CREDIT_CODE, confirm_duplicate="on")
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "This unified social credit code is already registered to another account." in body
    assert f"/customers/accounts/{existing.pk}/" not in body
    assert "闽江" not in body  # not even in the list of possible duplicates
    assert Account.objects.count() == 2


def test_editing_the_code_to_another_accounts_is_a_409(world, web_as):
    AccountFactory(owner=world.owner, name="福州闽江科技有限公司", credit_code=VALID_CREDIT_CODE)
    form = _form(owner=world.owner.pk, name=world.account.name, region="east", industry="manufacturing", version=1)
    response = web_as(world.owner).post(
        f"/customers/accounts/{world.account.pk}/edit/", {**form, "credit_code": VALID_CREDIT_CODE}
    )
    assert response.status_code == 409
    assert "Open the existing account" in response.content.decode()
    assert Account.objects.get(pk=world.account.pk).credit_code == ""


def test_create_buttons_are_drawn_only_for_users_who_may_create(world, web_as):
    for user in (world.finance, world.executive):
        assert "/customers/accounts/new/" not in web_as(user).get("/customers/accounts/").content.decode()
        assert "/customers/contacts/new/" not in web_as(user).get("/customers/contacts/").content.decode()
    assert "/customers/accounts/new/" in web_as(world.owner).get("/customers/accounts/").content.decode()
    assert "/customers/contacts/new/" in web_as(world.owner).get("/customers/contacts/").content.decode()


def test_the_iron_triangle_of_a_deal_opens_the_account_and_contacts_read_only(world, web_as):
    from ltc.customers.tests.factories import ContactFactory
    from ltc.opportunities.tests.factories import make_opportunity
    from ltc.org.tests.factories import UserFactory

    sr = UserFactory(username="chen", team=world.north, roles=["sr"])
    fr = UserFactory(username="yang", team=world.north, roles=["fr"])
    make_opportunity(world, sr=sr, fr=fr)
    contact = ContactFactory(account=world.account)
    for user in (sr, fr):
        client = web_as(user)
        page = client.get(f"/customers/accounts/{world.account.pk}/")
        assert page.status_code == 200
        body = page.content.decode()
        assert f"/customers/accounts/{world.account.pk}/edit/" not in body
        assert "/customers/contacts/new/" not in body
        assert f"/customers/contacts/{contact.pk}/" in body
        assert client.get(f"/customers/contacts/{contact.pk}/").status_code == 200
        assert client.get(f"/customers/accounts/{world.account.pk}/edit/").status_code == 403
    other = web_as(world.other)
    assert other.get(f"/customers/accounts/{world.account.pk}/").status_code == 404
    assert other.get(f"/customers/contacts/{contact.pk}/").status_code == 404


def test_related_accounts_are_linked_only_when_the_reader_may_open_them(world, web_as):
    from ltc.opportunities.tests.factories import make_opportunity
    from ltc.org.tests.factories import UserFactory

    parent = AccountFactory(owner=world.other, name="闽江集团有限公司")
    Account.objects.filter(pk=world.account.pk).update(parent=parent)
    subsidiary = AccountFactory(owner=world.other, name="闽江子公司有限公司", parent=world.account)
    sr = UserFactory(username="chen", team=world.north, roles=["sr"])
    make_opportunity(world, sr=sr)
    body = web_as(sr).get(f"/customers/accounts/{world.account.pk}/").content.decode()
    assert "闽江集团有限公司" in body
    assert f"/customers/accounts/{parent.pk}/" not in body
    assert f"/customers/accounts/{subsidiary.pk}/" not in body
    managers = web_as(world.boss).get(f"/customers/accounts/{world.account.pk}/").content.decode()
    assert f'<a href="/customers/accounts/{parent.pk}/">闽江集团有限公司</a>' in managers
    assert f"/customers/accounts/{subsidiary.pk}/" in managers
