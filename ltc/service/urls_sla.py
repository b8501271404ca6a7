"""/service/: business calendars, SLA policies and entitlements (names in the "service" namespace)."""

from django.urls import URLPattern, URLResolver, path

from ltc.service import views_sla as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("calendars/", views.calendar_list, name="calendar_list"),
    path("calendars/new/", views.calendar_create, name="calendar_create"),
    path("calendars/<int:pk>/", views.calendar_detail, name="calendar_detail"),
    path("calendars/<int:pk>/edit/", views.calendar_edit, name="calendar_edit"),
    path("calendars/<int:pk>/days/", views.calendar_day_set, name="calendar_day_set"),
    path("calendars/<int:pk>/days/<str:day>/remove/", views.calendar_day_remove, name="calendar_day_remove"),
    path("calendars/<int:pk>/import/", views.calendar_import, name="calendar_import"),
    path("sla-policies/", views.policy_list, name="policy_list"),
    path("sla-policies/new/", views.policy_create, name="policy_create"),
    path("sla-policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("sla-policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("entitlements/", views.entitlement_list, name="entitlement_list"),
    path("entitlements/new/", views.entitlement_create, name="entitlement_create"),
    path("entitlements/<int:pk>/", views.entitlement_detail, name="entitlement_detail"),
    path("entitlements/<int:pk>/edit/", views.entitlement_edit, name="entitlement_edit"),
    path("entitlements/<int:pk>/cancel/", views.entitlement_cancel, name="entitlement_cancel"),
]
