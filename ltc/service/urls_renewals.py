"""/service/: the dashboard, the KPIs and the renewals' pages."""

from django.urls import URLPattern, URLResolver, path

from ltc.service import views_dashboard, views_renewals

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_dashboard.dashboard, name="dashboard"),
    path("renewals/", views_renewals.renewal_page, name="renewal_list"),
    path("cases/<int:pk>/upsell/", views_renewals.case_upsell, name="case_upsell"),
]
