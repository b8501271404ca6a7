"""What the lead pages draw for whom: actions a viewer may not take are not drawn (issue #14)."""

import pytest

from ltc.leads import services


@pytest.mark.parametrize(
    ("actor", "imports", "webforms", "new_lead"),
    [
        ("owner", True, False, True),
        ("manager", True, True, True),
        ("marketing", True, True, True),
        ("executive", False, False, False),
        ("finance", False, False, False),
    ],
)
def test_import_web_form_and_new_lead_links_are_drawn_only_for_who_may_use_them(
    world, web_as, actor, imports, webforms, new_lead
):
    client = web_as(world.actor(actor))
    html = client.get("/leads/").content.decode()
    assert ('href="/leads/imports/"' in html) is imports
    assert ('href="/leads/web-forms/"' in html) is webforms
    assert ('href="/leads/new/"' in html) is new_lead
    assert ('data-quick-kind="lead"' in html) is new_lead  # the lead item of the top bar's "+ New" menu
    assert ('href="/quick/lead/"' in html) is new_lead
    assert 'data-quick-kind="activity"' in html  # the menu itself is drawn for everyone signed in
    assert client.get("/leads/imports/").status_code == (200 if imports else 403)
    assert client.get("/leads/web-forms/").status_code == (200 if webforms else 403)
    assert client.get("/leads/new/").status_code == (200 if new_lead else 403)
    assert client.get("/quick/lead/").status_code == (200 if new_lead else 403)


def test_start_and_undo_are_drawn_only_for_who_uploaded_the_file(world, web_as, django_capture_on_commit_callbacks):
    data = "公司名称,邮箱\n甲公司,a@x.cn\n".encode("gbk")
    batch = services.lead_import_upload(actor=world.owner, name="l.csv", data=data)
    uploaded = web_as(world.owner).get(f"/leads/imports/{batch.pk}/").content.decode()
    assert 'name="values"' in uploaded
    looking = web_as(world.marketing).get(f"/leads/imports/{batch.pk}/")
    assert looking.status_code == 200
    assert 'name="values"' not in looking.content.decode()
    assert 'name="start"' not in looking.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_import_start(actor=world.owner, batch=batch, mapping=batch.mapping, duplicate_policy="skip")
    undo = f'action="/leads/imports/{batch.pk}/undo/"'
    assert undo in web_as(world.owner).get(f"/leads/imports/{batch.pk}/").content.decode()
    assert undo not in web_as(world.marketing).get(f"/leads/imports/{batch.pk}/").content.decode()
    assert web_as(world.marketing).post(f"/leads/imports/{batch.pk}/undo/").status_code == 403


def test_a_converted_lead_links_what_it_became_only_for_who_may_open_it(world, web_as):
    from ltc.customers.tests.factories import ContactFactory
    from ltc.leads.models import Lead

    contact = ContactFactory(account=world.account, name="钱峰", email="qf@jincheng.cn")
    ContactFactory(account=world.account, name="钱峰二", email="qf@jincheng.cn")
    Lead.objects.filter(pk=world.lead.pk).update(
        account=world.account, contact=contact, email="qf@jincheng.cn", email_key="qf@jincheng.cn"
    )
    account_url = f"/customers/accounts/{world.account.pk}/"
    owner_page = web_as(world.owner).get(f"/leads/{world.lead.pk}/").content.decode()
    assert account_url in owner_page
    # The duplicates name another contact with the e-mail, not the contact the lead became.
    duplicates = owner_page.split('id="duplicates"')[1].split("</div>")[0]
    assert "钱峰二" in duplicates
    assert f"/customers/contacts/{contact.pk}/" not in duplicates
    assert "— email" in duplicates
    assert "Contact: 钱峰 —" not in duplicates
    marketing = web_as(world.marketing).get(f"/leads/{world.lead.pk}/")
    assert marketing.status_code == 200
    assert account_url not in marketing.content.decode()  # marketing may not open the account
    assert world.account.name in marketing.content.decode()
