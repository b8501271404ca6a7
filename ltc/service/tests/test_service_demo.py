"""The demo's customer service, seeded once with the whole demo (it takes minutes, so every area's
demo facts are checked here together): the installed base of the accepted hardware milestone, the
premium entitlement, cases in every state, the SLA sweep's warning and the breach escalated to the
service manager, an e-mail case and an unmatched mail, a renewal deal and an upsell lead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ltc.core.models import Notification
from ltc.org.models import User
from ltc.service.models import (
    Asset,
    Case,
    CaseChannel,
    CaseSlaEvent,
    CaseStatus,
    CaseUpsell,
    Entitlement,
    InboundEmail,
    InboundStatus,
    Renewal,
)
from ltc.web.demo import seed_demo

pytestmark = pytest.mark.django_db


def test_the_demo_walks_service_from_the_installed_base_to_renewals_and_upsell(db: Any) -> None:
    assert seed_demo() is True

    # The installed base of the accepted hardware milestone, with serials, a site, its service contract.
    made = list(Asset.objects.filter(contract__isnull=False))
    assert {a.code for a in made} >= {"SRV-EDGE", "GW-IOT"}
    for asset in made:
        assert asset.site
        assert len(asset.serial_list()) == min(int(asset.quantity), 20)
        assert asset.accepted_on is not None
        assert asset.warranty_ends_on is not None
        assert asset.warranty_ends_on > asset.accepted_on
        assert asset.entitlement_id is not None
    today = timezone.localdate()
    ending = Asset.objects.filter(
        account__name="上海锦程智能制造有限公司",
        warranty_ends_on__gte=today,
        warranty_ends_on__lte=today + timedelta(days=60),
    )
    assert ending.count() == 1
    assert Entitlement.objects.filter(contract__isnull=False, level="premium", policy__name="金牌服务").exists()

    # Cases in every state, and the sweep's warning and escalated breach.
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    assert Case.objects.filter(merged_into__isnull=False).exists()
    assert Case.objects.filter(reopened__gt=0).exists()
    ma = User.objects.get(username="ma")
    assert CaseSlaEvent.objects.filter(kind__endswith="_warning").exists()
    breached = Case.objects.filter(escalated_to=ma, escalated_at__isnull=False).first()
    assert breached is not None
    assert "breached" in {breached.response_sla, breached.resolution_sla}
    assert CaseSlaEvent.objects.filter(case=breached, kind__endswith="_breach", notified=ma).exists()
    assert Notification.objects.filter(recipient=ma, object_id=breached.pk).exists()

    # E-mail: a threaded e-mail case, an unmatched mail, a satisfaction answer.
    mailed = Case.objects.filter(channel=CaseChannel.EMAIL).first()
    assert mailed is not None
    assert [m.kind for m in mailed.messages.all()][:3] == ["customer", "reply", "customer"]
    assert InboundEmail.objects.filter(status=InboundStatus.UNMATCHED).exists()
    assert Case.objects.filter(csat_score__isnull=False).exists()

    # Renewals and upsell back to sales.
    renewal = Renewal.objects.select_related("opportunity", "account").get(account__name="上海锦程智能制造有限公司")
    assert renewal.opportunity.owner == renewal.account.owner
    assert renewal.opportunity.name.startswith(("续保：", "续约："))
    assert renewal.opportunity.expected_close_date == renewal.ends_on
    upsell = CaseUpsell.objects.select_related("lead", "case").get()
    assert upsell.lead.source == "service"
    assert upsell.lead.company_name == upsell.case.account.name
