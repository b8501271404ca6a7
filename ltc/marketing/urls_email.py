"""/marketing/email/...: templates, mailings; /marketing/e/...: the public tracking routes."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from ltc.marketing import views_email as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("email/", views.email_home, name="email_home"),
    path("email/templates/new/", views.email_template_create, name="email_template_create"),
    path("email/templates/preview/", views.email_template_preview, name="email_template_preview"),
    path("email/templates/<int:pk>/", views.email_template_edit, name="email_template_edit"),
    path("email/templates/<int:pk>/test-send/", views.email_template_test_send, name="email_template_test_send"),
    path("email/mailings/new/", views.email_mailing_create, name="email_mailing_create"),
    path("email/mailings/<int:pk>/", views.email_mailing_detail, name="email_mailing_detail"),
    path("email/mailings/<int:pk>/schedule/", views.email_mailing_schedule, name="email_mailing_schedule"),
    path("email/mailings/<int:pk>/cancel/", views.email_mailing_cancel, name="email_mailing_cancel"),
    path("e/o/<str:token>.gif", views.email_open, name="email_open"),
    path("e/c/<str:token>/<int:index>/", views.email_click, name="email_click"),
]
