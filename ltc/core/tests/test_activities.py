from datetime import timedelta

from django.core import mail
from django.utils import timezone

from ltc.core.activities import activity_create, activity_reminders_send, follow_ups
from ltc.core.models import Activity


def test_follow_ups_split_today_and_overdue(world):
    now = timezone.now()
    late = activity_create(
        actor=world.owner, subject=world.account, kind="call", title="回电", due_at=now - timedelta(days=2)
    )
    activity_create(
        actor=world.owner, subject=world.account, kind="visit", title="下月拜访", due_at=now + timedelta(days=30)
    )
    activity_create(actor=world.owner, subject=world.account, kind="email", title="已发资料", done=True)
    today, overdue = follow_ups(user=world.owner, now=now)
    assert overdue == [late]
    assert today == []


def test_reminders_are_sent_once_in_the_owners_language(world):
    now = timezone.now()
    world.owner.language = "zh-hans"
    world.owner.save()
    activity_create(
        actor=world.owner,
        subject=world.account,
        kind="call",
        title="确认预算",
        due_at=now + timedelta(hours=1),
        remind_at=now - timedelta(minutes=1),
    )
    assert activity_reminders_send(now=now) == 1
    assert activity_reminders_send(now=now) == 0
    assert len(mail.outbox) == 1
    assert "确认预算" in mail.outbox[0].subject
    assert mail.outbox[0].to == [world.owner.email]
    assert Activity.objects.get().reminded_at == now
