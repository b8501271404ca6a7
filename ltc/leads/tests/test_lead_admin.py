from django.core.management import call_command

from ltc.leads.models import Lead, QualificationPolicy, ScoringRule
from ltc.org.tests.factories import UserFactory


def test_back_office_pages_open_and_the_policy_is_read_only_there(world, client):
    """The qualification policy changes in the process centre (version-checked, on its timeline):
    the back office shows it and refuses a change."""
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    for name in ("assignmentrule", "scoringrule", "webform", "lead", "leadimport", "qualificationpolicy"):
        assert client.get(f"/admin/leads/{name}/").status_code == 200
    policy = QualificationPolicy.current()
    before = list(policy.required_items)
    response = client.post(
        f"/admin/leads/qualificationpolicy/{policy.pk}/change/", {"required_items": ["need_confirmed"]}
    )
    assert response.status_code == 403
    assert QualificationPolicy.current().required_items == before


def test_rescore_command_applies_new_rules_to_open_leads(world):
    ScoringRule.objects.create(name="east", criterion="region_is", value="east", points=25)
    call_command("rescore_leads", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Lead.objects.get(pk=world.lead.pk).score == 25
