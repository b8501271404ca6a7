"""/service/portal/: the customer portal's pages (客户门户), public by design: each is guarded by
the portal's own sign-in (ltc.service.portal), never by the staff login."""

from django.urls import URLPattern, URLResolver, path

from ltc.service import views_portal as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("portal/", views.portal_signin, name="portal_signin"),
    path("portal/enter/<str:token>/", views.portal_enter, name="portal_enter"),
    path("portal/signout/", views.portal_signout, name="portal_signout"),
    path("portal/cases/", views.portal_cases, name="portal_cases"),
    path("portal/cases/new/", views.portal_case_new, name="portal_case_new"),
    path("portal/cases/<int:pk>/", views.portal_case, name="portal_case"),
    path("portal/assets/", views.portal_assets, name="portal_assets"),
    path("portal/invoices/", views.portal_invoices, name="portal_invoices"),
]
