"""/marketing/: each area's pages, from its own urls_<area> module."""

from django.urls import URLPattern, URLResolver

from ltc.marketing import (
    urls_attribution,
    urls_campaigns,
    urls_consent,
    urls_email,
    urls_events,
    urls_journeys,
    urls_segments,
)

app_name = "marketing"

urlpatterns: list[URLPattern | URLResolver] = [
    *urls_consent.urlpatterns,
    *urls_events.urlpatterns,
    *urls_email.urlpatterns,
    *urls_segments.urlpatterns,
    *urls_campaigns.urlpatterns,
    *urls_attribution.urlpatterns,
    *urls_journeys.urlpatterns,
]
