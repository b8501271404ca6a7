"""The demo's attribution to cash: the trade show met the customers whose deals were later won and
paid, and the e-mail nurture reached some of them before; so the marketing dashboard shows real
attributed cash (归因回款) against the campaigns' costs."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Min

from ltc.billing.models import Allocation
from ltc.customers.models import Contact
from ltc.marketing.models import Campaign, TouchKind
from ltc.marketing.services.attribution_credits import credits_rebuild
from ltc.marketing.services.touches import TouchIn, touches_record
from ltc.opportunities.models import Opportunity
from ltc.org.models import User


def seed_attribution(users: dict[str, User]) -> None:
    """Touches on the accounts (and source leads) of the demo deals that received payments: a
    trade-show registration ten days before each deal was created and, for every other deal, a
    nurture e-mail click three days before (after the show: the show is their first touch, the
    e-mail their last); then the attribution credits are built. Idempotent (touch keys).

    A deal is credited with the touches up to its creation (ltc.marketing.attribution), so the
    touches are dated before it, whatever the campaigns' own dates."""
    from ltc.web.demo_marketing import NURTURE, TRADE_SHOW  # its caller: imported when called

    show = Campaign.objects.filter(code=TRADE_SHOW).first()
    nurture = Campaign.objects.filter(code=NURTURE).first()
    if show is None or nurture is None:
        credits_rebuild()
        return
    paid_deal_ids = set(
        Allocation.objects.filter(invoice__contract__isnull=False).values_list(
            "invoice__contract__opportunity_id", flat=True
        )
    )
    deals = list(
        Opportunity.objects.filter(pk__in=paid_deal_ids)
        .order_by("pk")
        .values_list("pk", "account_id", "source_lead_id", "created_at")
    )
    first_contacts = dict(
        Contact.objects.filter(account_id__in=[account for _, account, _, _ in deals])
        .values("account_id")
        .annotate(first=Min("pk"))
        .values_list("account_id", "first")
    )
    touches = []
    for n, (deal, account, lead, created) in enumerate(deals):
        person: dict[str, int | None] = {"lead_id": lead} if lead else {"contact_id": first_contacts.get(account)}
        touches.append(
            TouchIn(
                campaign_id=show.pk,
                kind=TouchKind.FORM,  # the show's pre-booking form: the event's own list is not touched
                key=f"demo-attribution-show-{deal}",
                account_id=account,
                at=created - timedelta(days=10),
                **person,
            )
        )
        if n % 2 == 0:
            touches.append(
                TouchIn(
                    campaign_id=nurture.pk,
                    kind=TouchKind.FORM,  # a white-paper download form (an e-mail click belongs to a mailing)
                    key=f"demo-attribution-nurture-{deal}",
                    account_id=account,
                    at=created - timedelta(days=3),
                    **person,
                )
            )
    touches_record(touches)
    # The demo's leads, deals and payments were made before (and their after-commit reactions
    # are not delivered inside the demo's transaction): the credits are built once, whole.
    credits_rebuild()
