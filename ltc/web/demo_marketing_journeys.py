"""The demo's nurture journey (培育旅程): the NURTURE campaign's four steps — the white paper
e-mail, three days' wait, "opened it?", hand to sales — with members at different points: the
first wave finished (those who opened were handed to sales), a later wave waits at step 2."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ltc.leads.models import Lead
from ltc.marketing.models import Campaign, ConsentBasis, ConsentState, TouchKind
from ltc.marketing.models.email import EmailTemplate
from ltc.marketing.models.journeys import JourneyEntry, StepKind
from ltc.marketing.models.segments import Segment, SegmentTarget
from ltc.marketing.services import journeys
from ltc.marketing.services.consent import consent_record
from ltc.marketing.services.touches import Person, TouchIn, touches_record
from ltc.org.models import User

WHITE_PAPER = {
    "name": "制造业数字化白皮书",
    "subject_zh": "{{ first_name }}，《2026 制造业数字化白皮书》已为您准备好",
    "body_zh": (
        "{{ first_name }}，您好：\n\n感谢您关注 **{{ company }}** 的数字化转型。"
        "[下载白皮书](https://example.com/whitepaper)\n\n退订：{{ unsubscribe_url }}"
    ),
    "subject_en": "{{ first_name }}, your 2026 manufacturing white paper",
    "body_en": "Hello {{ first_name }},\n\n[Download](https://example.com/en/whitepaper)\n\n{{ unsubscribe_url }}",
}


def _template(marketing: User) -> EmailTemplate:
    template = EmailTemplate.objects.order_by("pk").first()
    if template is not None:
        return template
    from ltc.marketing.services.mailing import template_create

    return template_create(actor=marketing, data=dict(WHITE_PAPER))


def seed_journeys(users: dict[str, User]) -> None:
    from ltc.web.demo_marketing import NURTURE  # that module calls this one

    marketing = users["sun"]
    campaign = Campaign.objects.filter(code=NURTURE).first()
    if campaign is None:
        return
    now = timezone.now()
    first_wave, second_wave = now - timedelta(days=5), now - timedelta(days=1)
    segment = Segment.objects.filter(target=SegmentTarget.LEADS, archived_at__isnull=True).order_by("pk").first()
    people = (
        list(segment.entries.filter(lead__isnull=False).order_by("pk").values_list("lead_id", flat=True))
        if segment is not None
        else []
    )
    if not people:
        people = list(
            Lead.objects.filter(merged_into__isnull=True).order_by("-score", "pk").values_list("pk", flat=True)[:8]
        )
    entry = (
        {"entry": JourneyEntry.SEGMENT, "segment": segment}
        if segment is not None
        else {
            "entry": JourneyEntry.TOUCH,
            "entry_touch_kind": TouchKind.FORM,
        }
    )
    journey = journeys.journey_create(
        actor=marketing,
        data={
            "name": "工博会线索四步培育",
            "campaign": campaign,
            "description": "白皮书邮件 → 等待三天 → 打开了邮件？→ 打开的线索作为 MQL 交给销售；未打开的结束本旅程。",
            "exit_score": 90,
            **entry,
        },
        steps=[
            {"kind": StepKind.EMAIL, "template": _template(marketing)},
            {"kind": StepKind.WAIT, "wait_hours": 72},
            {"kind": StepKind.BRANCH, "branch_on": "opened", "yes_goto": 4, "no_goto": 5},
            {"kind": StepKind.HAND_TO_SALES},
        ],
    )
    # The first wave has two open leads (one opens the e-mail, one does not) and the closed ones
    # (who leave at once); the open leads left over are the later wave.
    still_open = set(Lead.objects.filter(pk__in=people, status__in=["new", "verifying"]).values_list("pk", flat=True))
    open_people = [pk for pk in people if pk in still_open]
    later = open_people[2:]
    journeys.journey_enrol(journey, [Person(lead_id=pk) for pk in later], now=second_wave)
    journey = journeys.journey_activate(
        actor=marketing, journey=journey, expected_version=journey.version, now=first_wave
    )
    if segment is None:
        journeys.journey_enrol(journey, [Person(lead_id=pk) for pk in people if pk not in later], now=first_wave)
    openers = open_people[:1]
    for address in Lead.objects.filter(pk__in=openers).exclude(email="").values_list("email", flat=True):
        consent_record(
            address=address,
            state=ConsentState.GRANTED,
            basis=ConsentBasis.CONSENT,
            source="工博会现场登记表：勾选接收资料",
            at=first_wave - timedelta(days=1),
        )
    journeys.journeys_run(first_wave)
    touches_record(
        [
            TouchIn(
                campaign_id=campaign.pk,
                kind=TouchKind.OPEN,
                key=f"demo-journey-open:{pk}",
                lead_id=pk,
                at=first_wave + timedelta(hours=20),
            )
            for pk in openers
        ]
    )
    journeys.journeys_run(first_wave + timedelta(hours=73))
    journeys.journeys_run(second_wave)
