from django.core.management import call_command

from ltc.leads.models import Lead, QualificationPolicy, ScoringRule
from ltc.org.tests.factories import UserFactory


def test_back_office_pages_open_and_the_policy_saves(world, client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    for name in ("assignmentrule", "scoringrule", "webform", "lead", "leadimport", "qualificationpolicy"):
        assert client.get(f"/admin/leads/{name}/").status_code == 200
    policy = QualificationPolicy.current()
    response = client.post(
        f"/admin/leads/qualificationpolicy/{policy.pk}/change/", {"required_items": ["need_confirmed"]}
    )
    assert response.status_code == 302
    assert QualificationPolicy.current().required_items == ["need_confirmed"]


def test_rescore_command_applies_new_rules_to_open_leads(world):
    ScoringRule.objects.create(name="east", criterion="region_is", value="east", points=25)
    call_command("rescore_leads", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Lead.objects.get(pk=world.lead.pk).score == 25
