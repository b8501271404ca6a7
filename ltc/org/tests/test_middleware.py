"""The user's language holds for the user's own request, and only for it."""

from __future__ import annotations

from django.utils import translation


def test_a_zh_hans_users_request_is_answered_in_chinese_and_leaves_the_language_as_it_was(world, web_as):
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    client = web_as(world.owner)
    with translation.override("en"):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.headers["Content-Language"] == "zh-hans"
        assert translation.get_language() == "en"
