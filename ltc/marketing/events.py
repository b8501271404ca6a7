"""The facts of marketing, for integrations (see ltc.core.events). Marketing's own areas follow
touches through `ltc.marketing.services.touches.on_touches`, in the recording transaction."""

from __future__ import annotations
