"""Engagement (互动度): how much a lead responds to marketing — opens, clicks, forms, events —
computed by marketing and kept on the lead beside its fit score. Leads only stores it: the
weights, the decay and the touches belong to marketing, which calls `leads_engagement_set`."""

from __future__ import annotations

import json
from typing import Any

from ltc.leads.models import Lead

MAX_ENGAGEMENT = 100


def leads_engagement_set(values: dict[int, tuple[int, list[dict[str, Any]]]]) -> int:
    """Store the engagement score (clipped to 0–100) and its breakdown of many leads at once.

    Set-based and quiet: leads that end with the same score and breakdown are written by one
    UPDATE per group; no timeline entry and no version bump (engagement is derived, not an edit
    anyone made, and must not make a user's open form stale). Returns how many rows were written.
    """
    groups: dict[tuple[int, str], list[int]] = {}
    for lead_id, (score, details) in values.items():
        clipped = max(0, min(MAX_ENGAGEMENT, int(score)))
        groups.setdefault((clipped, json.dumps(details, ensure_ascii=False, sort_keys=True)), []).append(lead_id)
    written = 0
    for (score, details_json), pks in groups.items():
        details = json.loads(details_json)
        for start in range(0, len(pks), 5000):
            written += Lead.objects.filter(pk__in=pks[start : start + 5000]).update(
                engagement=score, engagement_details=details
            )
    return written
