"""/marketing/ (the dashboard) and /marketing/attribution/ (ROI per campaign): names in the
"marketing" namespace."""

from django.urls import URLPattern, URLResolver, path

from ltc.marketing import views_attribution as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.marketing_dashboard, name="dashboard"),
    path("attribution/", views.marketing_attribution, name="attribution"),
]
