"""/marketing/segments/: the segment pages (names in the "marketing" namespace)."""

from django.urls import URLPattern, URLResolver, path

from ltc.marketing import views_segments as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("segments/", views.segment_list, name="segment_list"),
    path("segments/new/", views.segment_create, name="segment_create"),
    path("segments/preview/", views.segment_preview, name="segment_preview"),
    path("segments/<int:pk>/", views.segment_detail, name="segment_detail"),
    path("segments/<int:pk>/edit/", views.segment_edit, name="segment_edit"),
    path("segments/<int:pk>/entries/", views.segment_entries, name="segment_entries"),
    path("segments/<int:pk>/import/", views.segment_import, name="segment_import"),
    path("segments/<int:pk>/archive/", views.segment_archive, name="segment_archive"),
]
