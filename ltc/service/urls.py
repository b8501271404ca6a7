"""/service/: each area's pages, from its own urls_<area> module."""

from django.urls import URLPattern, URLResolver

from ltc.service import urls_assets, urls_cases, urls_email, urls_portal, urls_renewals, urls_routing, urls_sla

app_name = "service"

urlpatterns: list[URLPattern | URLResolver] = [
    *urls_renewals.urlpatterns,  # the dashboard at /service/
    *urls_cases.urlpatterns,
    *urls_assets.urlpatterns,
    *urls_sla.urlpatterns,
    *urls_routing.urlpatterns,
    *urls_email.urlpatterns,
    *urls_portal.urlpatterns,
]
