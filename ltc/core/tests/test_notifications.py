"""Notifications: who is told what, on which channels, and how it reads."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.utils import timezone, translation

from ltc.core import notifications, timeline
from ltc.core.activities import activity_create, activity_reminders_send
from ltc.core.models import Notification, NotificationKind, NotificationPreference, OutgoingMail, OutgoingWebhook
from ltc.leads import services as lead_services
from ltc.opportunities import services as deal_services
from ltc.opportunities.models import Opportunity, Pipeline
from ltc.opportunities.tests.factories import grant, make_opportunity, make_pipeline, require_review

Kind = NotificationKind


def _deal(world: Any) -> Opportunity:
    return make_opportunity(world)


def _of(user: Any, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind))


# -- mentions --------------------------------------------------------------------------------------


def test_a_mention_notifies_a_user_who_may_see_the_record_and_mails_them(world: Any) -> None:
    deal = _deal(world)

    event = deal_services.opportunity_note_add(actor=world.owner, opportunity=deal, text="@manager 请看一下报价")

    told = _of(world.manager, Kind.MENTION)
    assert [(n.object_id, n.actor_id, n.subject_label) for n in told] == [(deal.pk, world.owner.pk, deal.name)]
    assert event.not_notified == []
    assert OutgoingMail.objects.filter(to=[world.manager.email]).count() == 1  # mentions are mailed by default
    assert not _of(world.owner, Kind.MENTION_UNSEEN)


def test_a_mention_of_a_user_who_cannot_see_the_record_tells_them_nothing_and_tells_the_author(world: Any) -> None:
    deal = _deal(world)

    event = deal_services.opportunity_note_add(actor=world.owner, opportunity=deal, text="@other 请看一下 @nobody")

    assert [u.username for u in event.not_notified] == ["other"]
    assert not Notification.objects.filter(recipient=world.other).exists()
    assert not OutgoingMail.objects.filter(to=[world.other.email]).exists()
    (told,) = _of(world.owner, Kind.MENTION_UNSEEN)
    with translation.override("en"):
        assert notifications.render(told) == f"other cannot see “{deal.name}”: not notified of your note."


def test_mail_off_in_the_preferences_queues_no_mail_but_keeps_the_bell(world: Any) -> None:
    NotificationPreference.objects.create(user=world.manager, kind=Kind.MENTION, in_app=True, email=False)

    timeline.note_add(actor=world.owner, subject=_deal(world), text="@manager 看一下")

    assert len(_of(world.manager, Kind.MENTION)) == 1
    assert not OutgoingMail.objects.exists()


# -- assignments and decisions ---------------------------------------------------------------------


def test_a_lead_handed_to_someone_tells_them(world: Any) -> None:
    lead_services.lead_assign(actor=world.manager, lead=world.lead, owner=world.teammate)

    (told,) = _of(world.teammate, Kind.ASSIGNMENT)
    assert (told.object_id, told.actor_id) == (world.lead.pk, world.manager.pk)
    assert not OutgoingMail.objects.exists()  # assignments are in-app only by default


def test_a_deal_given_to_another_ar_tells_the_new_ar(world: Any) -> None:
    deal = _deal(world)

    deal_services.opportunity_update(
        actor=world.manager, opportunity=deal, data={"owner": world.teammate}, expected_version=deal.version
    )

    (told,) = _of(world.teammate, Kind.ASSIGNMENT)
    assert told.object_id == deal.pk
    assert not _of(world.owner, Kind.ASSIGNMENT)


def test_a_review_routed_to_its_decider_and_decided_tells_both_sides(world: Any) -> None:
    pipeline = Pipeline.objects.filter(name="项目销售").first() or make_pipeline()
    require_review(pipeline, "确认", "ATI")
    grant("review_ati", role="sales_manager", up_to="5000000")
    deal = make_opportunity(world, pipeline)

    review = deal_services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")
    decider = review.decider
    (routed,) = _of(decider, Kind.DECISION_ROUTED)
    assert routed.params == {"decision": "ATI"}
    assert OutgoingMail.objects.filter(to=[decider.email]).exists()  # decisions are mailed by default

    deal_services.review_assess(
        actor=world.owner, review=review, role="ar", scores={"relationship": 4, "decision_chain": 4}
    )
    deal_services.review_decide(actor=decider, review=review, decision="go")
    (decided,) = _of(world.owner, Kind.DECISION_MADE)
    with translation.override("zh-hans"):
        assert notifications.render(decided) == f"你的申请“{deal.name}”已有决定：ATI — 通过。"


def test_a_due_activity_reminder_also_notifies_its_owner(world: Any) -> None:
    deal = _deal(world)
    activity_create(
        actor=world.owner,
        subject=deal,
        kind="call",
        title="回访客户",
        owner=world.owner,
        due_at=timezone.now() + timedelta(hours=1),
        remind_at=timezone.now() - timedelta(minutes=1),
    )

    assert activity_reminders_send() == 1

    (told,) = _of(world.owner, Kind.ACTIVITY_DUE)
    assert told.params == {"activity": "回访客户"}
    assert OutgoingMail.objects.count() == 1  # the reminder mail only, not a second one


# -- group robots ----------------------------------------------------------------------------------


class _Robot(BaseHTTPRequestHandler):
    received: list[tuple[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Robot.received.append((self.path, json.loads(body)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode":0}')

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def robot_server() -> Any:
    _Robot.received = []
    server = HTTPServer(("127.0.0.1", 0), _Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("robot", "expected"),
    [
        ("wecom", lambda text, url: {"msgtype": "markdown", "markdown": {"content": f"{text}\n[{url}]({url})"}}),
        (
            "dingtalk",
            lambda text, url: {
                "msgtype": "markdown",
                "markdown": {"title": text[:60], "text": f"{text}\n[{url}]({url})"},
            },
        ),
        ("feishu", lambda text, url: {"msg_type": "text", "content": {"text": f"{text}\n{url}"}}),
    ],
)
def test_a_robot_gets_the_payload_its_type_expects_from_the_worker(
    world: Any, robot_server: str, robot: str, expected: Any, settings: Any
) -> None:
    settings.LTC_BASE_URL = "http://ltc.example"
    deal = _deal(world)
    notifications.webhook_set(actor=world.manager, url=f"{robot_server}/hook/{robot}", robot=robot)
    NotificationPreference.objects.create(user=world.manager, kind=Kind.MENTION, in_app=True, webhook=True)

    timeline.note_add(actor=world.owner, subject=deal, text="@manager 请看一下报价")
    assert _Robot.received == []  # nothing is posted inside the request

    assert notifications.webhooks_deliver() == 1

    with translation.override(world.manager.language or "zh-hans"):
        text = notifications.render(_of(world.manager, Kind.MENTION)[0])
    url = f"http://ltc.example/opportunities/{deal.pk}/"
    assert _Robot.received == [(f"/hook/{robot}", expected(text, url))]
    assert OutgoingWebhook.objects.get().sent_at is not None


def test_a_robot_that_is_down_keeps_the_message_for_a_retry(world: Any) -> None:
    notifications.webhook_set(actor=world.owner, url="http://127.0.0.1:9/down", robot="wecom")

    notifications.webhook_test(actor=world.owner)

    assert notifications.webhooks_deliver() == 0
    message = OutgoingWebhook.objects.get()
    assert (message.sent_at, message.attempts, message.claimed_at) == (None, 1, None)
    assert message.last_error


def test_a_robot_address_that_is_not_http_is_refused_and_nothing_changes(world: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        notifications.webhook_set(actor=world.owner, url="file:///etc/passwd", robot="wecom")

    assert "url" in refused.value.message_dict
    assert notifications.webhook_of(world.owner) is None


# -- the daily digest ------------------------------------------------------------------------------


def test_the_daily_digest_mails_the_unread_once_a_day(world: Any) -> None:
    deal = _deal(world)
    NotificationPreference.objects.create(user=world.manager, kind=Kind.MENTION, in_app=True, email=False)
    timeline.note_add(actor=world.owner, subject=deal, text="@manager 第一条")
    timeline.note_add(actor=world.owner, subject=deal, text="@manager 第二条")
    read = Notification.objects.filter(recipient=world.manager).first()
    notifications.notification_read(actor=world.manager, pk=read.pk)
    timeline.note_add(actor=world.owner, subject=deal, text="@manager 第三条")

    assert notifications.digest_send() == 1
    assert notifications.digest_send() == 0  # the same day: not again

    (mail,) = OutgoingMail.objects.all()
    assert mail.to == [world.manager.email]
    assert mail.body.count(deal.name) == 2  # the two unread, not the read one


# -- the bell, the page and the API ----------------------------------------------------------------


def test_the_bell_shows_the_count_and_latest_in_a_few_queries(
    world: Any, web_as: Any, django_assert_max_num_queries: Any
) -> None:
    deals = [make_opportunity(world, name=f"项目{i}") for i in range(12)]
    for deal in deals:
        timeline.note_add(actor=world.owner, subject=deal, text="@manager 请看")
    world.manager.language = "zh-hans"
    world.manager.save(update_fields=["language"])
    client = web_as(world.manager)
    client.get("/notifications/bell/")  # warm the session and content types

    # session, user, the latest, the roles and teams the visibility rule reads, the deals, the count
    with django_assert_max_num_queries(8):
        answer = client.get("/notifications/bell/")

    html = answer.content.decode()
    assert 'id="bell-count">12<' in html
    assert html.count("/notifications/") >= 6
    assert "在“项目11”的备注中提到了你。" in html
    assert "全部标为已读" in html


def test_a_link_leads_only_to_a_record_the_reader_may_still_open(world: Any, web_as: Any) -> None:
    deal = _deal(world)
    timeline.note_add(actor=world.owner, subject=deal, text="@teammate 看一下")  # the teammate cannot see it
    notifications.notify([world.teammate], Kind.MENTION, subject=deal, actor=world.owner)  # told anyway (moved)
    (told,) = _of(world.teammate, Kind.MENTION)

    answer = web_as(world.teammate).get(f"/notifications/{told.pk}/")

    assert answer.status_code == 302
    assert answer["Location"] == "/notifications/"
    told.refresh_from_db()
    assert told.read_at is not None
    page = web_as(world.teammate).get("/notifications/").content.decode()
    assert f"/opportunities/{deal.pk}/" not in page


def test_the_api_lists_reads_and_marks_only_the_callers_notifications(world: Any, api_as: Any) -> None:
    deal = _deal(world)
    timeline.note_add(actor=world.owner, subject=deal, text="@manager @boss 请看")
    api = api_as(world.manager)

    listed = api.get("/notifications?unread=true").json()
    assert [(n["kind"], n["url"]) for n in listed["items"]] == [("mention", f"/opportunities/{deal.pk}/")]
    pk = listed["items"][0]["id"]
    boss_pk = Notification.objects.get(recipient=world.boss).pk

    assert api.post(f"/notifications/{boss_pk}/read").status_code == 404
    assert api.post(f"/notifications/{pk}/read").json()["read_at"] is not None
    assert api.post("/notifications/read-all").json() == {"marked": 0}
    assert Notification.objects.get(recipient=world.boss).read_at is None


def test_the_api_sets_preferences_and_refuses_a_bad_robot_without_change(world: Any, api_as: Any) -> None:
    api = api_as(world.owner)
    defaults = {p["kind"]: p for p in api.get("/notification-preferences").json()["preferences"]}
    assert defaults["mention"] == {"kind": "mention", "in_app": True, "email": True, "webhook": False}
    assert defaults["assignment"]["email"] is False

    bad = api.request(
        "PUT",
        "/notification-preferences",
        {
            "preferences": [{"kind": "mention", "in_app": True, "email": False, "webhook": True}],
            "robot": {"url": "ftp://x", "type": "feishu"},
        },
    )
    assert bad.status_code == 422
    assert not NotificationPreference.objects.exists()

    good = api.request(
        "PUT",
        "/notification-preferences",
        {
            "preferences": [{"kind": "mention", "in_app": True, "email": False, "webhook": True}],
            "robot": {"url": "https://oapi.dingtalk.com/robot/send?access_token=x", "type": "dingtalk"},
        },
    )
    assert good.status_code == 200
    body = good.json()
    assert body["robot"]["type"] == "dingtalk"
    assert {p["kind"]: p["email"] for p in body["preferences"]}["mention"] is False


def test_the_profile_saves_preferences_per_kind_and_channel(world: Any, web_as: Any) -> None:
    client = web_as(world.owner)
    assert "notification-preferences" in client.get("/profile/").content.decode()

    answer = client.post(
        "/notifications/preferences/",
        {"assignment:in_app": "on", "assignment:email": "on", "robot": "wecom", "robot_url": ""},
    )

    assert answer.status_code == 302
    chosen = notifications.preferences_get(world.owner)
    assert chosen[Kind.ASSIGNMENT] == notifications.Channels(in_app=True, email=True, webhook=False)
    assert chosen[Kind.MENTION] == notifications.Channels(in_app=False, email=False, webhook=False)


def test_a_note_shows_its_mentions_highlighted_and_escaped(world: Any) -> None:
    from ltc.core.templatetags.mentions import mentions

    assert mentions("<b>@manager</b> 看") == (
        '&lt;b&gt;<span class="mention text-primary fw-bold">@manager</span>&lt;/b&gt; 看'
    )


def test_a_contract_change_routed_and_decided_tells_the_decider_then_the_requester(world: Any) -> None:
    from ltc.catalog.tests.factories import Catalog
    from ltc.contracts import services as contract_services
    from ltc.contracts.tests.factories import accepted_contract, contract_team

    catalog = Catalog()
    contract = accepted_contract(world, contract_team(world), catalog)
    change = contract_services.change_create(
        actor=world.owner,
        contract=contract,
        origin="internal",
        title="大额扩容",
        reason="扩容",
        proposal={"lines": [{"product_id": catalog.server.pk, "quantity": "10", "unit_price": "50000"}]},
    )
    (routed,) = _of(world.executive, Kind.DECISION_ROUTED)
    assert (routed.object_id, routed.params) == (contract.pk, {"decision": f"CR{change.number}"})

    contract_services.change_decide(actor=world.executive, change=change, approve=False, note="预算不足")

    (decided,) = _of(world.owner, Kind.DECISION_MADE)
    with translation.override("en"):
        assert notifications.render(decided).endswith(f"was decided: CR{change.number} — rejected.")


def test_a_discount_routed_to_its_approver_tells_the_approver(world: Any) -> None:
    from ltc.catalog.tests.factories import Catalog
    from ltc.quotes import services as quote_services
    from ltc.quotes.tests.factories import make_quote, standard_matrix

    standard_matrix(world)
    catalog = Catalog()
    quote = make_quote(world, catalog)
    quote_services.quote_version_update(
        actor=world.owner,
        quote=quote,
        expected_version=quote.version,
        data={"lines": [catalog.bundle_line()], "document_discount_pct": "15"},
    )
    quote.refresh_from_db()

    quote_services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)

    (routed,) = _of(world.manager, Kind.DECISION_ROUTED)
    assert routed.object_id == quote.pk
    with translation.override("zh-hans"):
        assert "折扣审批" in notifications.render(routed)


def test_the_deal_page_tells_the_author_who_was_not_notified(world: Any, web_as: Any) -> None:
    deal = _deal(world)
    client = web_as(world.owner)

    answer = client.post(f"/opportunities/{deal.pk}/notes/", {"text": "@other @manager 请看"}, follow=True)

    page = answer.content.decode()
    assert "other" in page
    assert ("cannot see this record, not notified" in page) or ("无权查看此记录，未通知" in page)
    assert not Notification.objects.filter(recipient=world.other).exists()
    assert Notification.objects.filter(recipient=world.manager, kind=Kind.MENTION).exists()
