"""Web-form visits (#19): a marketing e-mail's link to one of our web forms carries the message's
token on, the form's page announces the visit (leads.WebFormVisited) and marketing records a
`visit` touch of that person, once per message and day, which adds to the engagement score."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from ltc.core.links import absolute_url
from ltc.core.models import IntegrationEvent
from ltc.leads.models import Lead
from ltc.leads.services import webform_create
from ltc.marketing.models import Touch
from ltc.marketing.models.email import EmailMessage
from ltc.marketing.services import mailing as service
from ltc.marketing.tests.email_support import (
    SinkHandler,
    consented_leads,
    leads_segment,
    make_campaign,
    make_mailing,
    make_template,
    smtp_sink,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.django_db


def _sent_message_linking_a_form(world: Any) -> tuple[EmailMessage, Any, Lead]:
    (lead,) = consented_leads(world.marketing, 1)
    mailing = make_mailing(
        world.marketing, leads_segment(world.marketing, [lead]), make_template(), make_campaign(world.marketing)
    )
    service.mailing_schedule(actor=world.marketing, mailing=mailing, expected_version=mailing.version)
    service.email_deliver()
    form = webform_create(actor=world.marketing, name="官网咨询", source="website")
    message = EmailMessage.objects.get(mailing=mailing)
    links = [absolute_url(f"/leads/forms/{form.key}/?utm_source=mail"), "https://example.com/other"]
    EmailMessage.objects.filter(pk=message.pk).update(links=links)
    message.refresh_from_db()
    return message, form, lead


def test_a_click_to_our_form_carries_the_token_and_the_visit_becomes_a_touch_once_a_day(
    world: Any,
    smtp_sink: SinkHandler,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    message, form, lead = _sent_message_linking_a_form(world)
    client = Client()

    redirect = client.get(f"/marketing/e/c/{message.token}/0/")
    location = urlsplit(redirect["Location"])
    assert redirect.status_code == 302
    assert location.path == f"/leads/forms/{form.key}/"
    assert parse_qs(location.query) == {"utm_source": ["mail"], "ltc_m": [message.token]}
    # A link elsewhere is left as it was stored: the token goes only to our own forms.
    assert client.get(f"/marketing/e/c/{message.token}/1/")["Location"] == "https://example.com/other"
    score_after_click = Lead.objects.get(pk=lead.pk).engagement

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            page = client.get(f"{location.path}?{location.query}")
        assert page.status_code == 200

    visits = Touch.objects.filter(campaign_id=message.campaign_id, kind="visit")
    assert [(t.lead_id, t.key.rsplit(":", 2)[0]) for t in visits] == [(lead.pk, f"email:{message.pk}")]
    assert IntegrationEvent.objects.filter(kind="webform.visited", subject_id=form.pk).count() == 1
    assert Lead.objects.get(pk=lead.pk).engagement > score_after_click


def test_an_anonymous_visit_or_a_reference_that_is_no_token_records_nothing(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    form = webform_create(actor=world.marketing, name="官网咨询", source="website")
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(f"/leads/forms/{form.key}/").status_code == 200
        assert client.get(f"/leads/forms/{form.key}/?ltc_m=<script>").status_code == 200
        assert client.get(f"/leads/forms/{form.key}/?ltc_m=" + "a" * 30).status_code == 200  # unknown token
    assert IntegrationEvent.objects.filter(kind="webform.visited").count() == 1  # only the well-formed one
    assert not Touch.objects.filter(kind="visit").exists()
