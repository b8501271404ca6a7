"""Consent and data-subject request pages (names in the "marketing" namespace)."""

from django.urls import URLPattern, URLResolver, path

from ltc.marketing import views_consent as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("consent/record/", views.consent_record, name="consent_record"),
    path("privacy/", views.privacy_list, name="privacy_list"),
    path("privacy/new/", views.privacy_create, name="privacy_create"),
    path("privacy/<int:pk>/", views.privacy_detail, name="privacy_detail"),
    path("privacy/<int:pk>/export/", views.privacy_export, name="privacy_export"),
    path("privacy/<int:pk>/erase/", views.privacy_erase, name="privacy_erase"),
]
