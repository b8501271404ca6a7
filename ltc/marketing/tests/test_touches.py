import pytest

from ltc.marketing.models import Campaign, CampaignMember, ConsentState, Touch, TouchKind
from ltc.marketing.services.consent import consent_record, email_allowed
from ltc.marketing.services.touches import TouchIn, touches_record


@pytest.mark.django_db
def test_touches_are_idempotent_and_members_only_move_forward(world):
    c = Campaign.objects.create(name="x", code="x", kind="email", owner=world.marketing)
    t = touches_record([TouchIn(campaign_id=c.pk, kind=TouchKind.CLICK, key="k1", lead_id=world.lead.pk)])
    assert len(t) == 1
    assert touches_record([TouchIn(campaign_id=c.pk, kind=TouchKind.CLICK, key="k1", lead_id=world.lead.pk)]) == []
    assert CampaignMember.objects.get().status == "clicked"
    touches_record([TouchIn(campaign_id=c.pk, kind=TouchKind.OPEN, key="k2", lead_id=world.lead.pk)])
    assert CampaignMember.objects.get().status == "clicked"
    consent_record(address="A@x.cn", state=ConsentState.GRANTED, basis="consent", source="t")
    assert email_allowed(["a@x.cn", "b@x.cn"]) == {"a@x.cn"}
    consent_record(address="a@x.cn", state=ConsentState.WITHDRAWN, source="t")
    assert email_allowed(["a@x.cn"]) == set()


@pytest.mark.django_db
def test_a_key_recorded_meanwhile_runs_no_hook_twice(world, monkeypatch):
    """A concurrent request that wrote the same key first (between the read of known keys and the
    insert) wins: this call inserts nothing for it and calls no hook with it."""
    from ltc.marketing.services import touches

    c = Campaign.objects.create(name="y", code="y", kind="email", owner=world.marketing)
    calls = []
    touches.on_touches(seen := lambda rows: calls.append([r.key for r in rows]))
    try:
        real_insert = touches._insert_new

        def racing_insert(rows):  # the other request commits "race" after this one read the known keys
            Touch.objects.create(campaign=c, kind=TouchKind.OPEN, key="race", lead=world.lead)
            return real_insert(rows)

        monkeypatch.setattr(touches, "_insert_new", racing_insert)
        created = touches_record(
            [
                TouchIn(campaign_id=c.pk, kind=TouchKind.OPEN, key="race", lead_id=world.lead.pk),
                TouchIn(campaign_id=c.pk, kind=TouchKind.CLICK, key="mine", lead_id=world.lead.pk),
            ]
        )
    finally:
        touches._TOUCH_HOOKS.remove(seen)
    assert [t.key for t in created] == ["mine"]
    assert calls == [["mine"]]
    assert Touch.objects.count() == 2
