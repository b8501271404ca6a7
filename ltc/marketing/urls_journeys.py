"""/marketing/journeys/: the nurture journey pages (names in the "marketing" namespace)."""

from django.urls import URLPattern, URLResolver, path

from ltc.marketing import views_journeys as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("journeys/", views.journey_list, name="journey_list"),
    path("journeys/new/", views.journey_create, name="journey_create"),
    path("journeys/<int:pk>/", views.journey_detail, name="journey_detail"),
    path("journeys/<int:pk>/edit/", views.journey_edit, name="journey_edit"),
    path("journeys/<int:pk>/steps/", views.journey_steps, name="journey_steps"),
    path("journeys/<int:pk>/activate/", views.journey_activate, name="journey_activate"),
    path("journeys/<int:pk>/pause/", views.journey_pause, name="journey_pause"),
    path("journeys/<int:pk>/archive/", views.journey_archive, name="journey_archive"),
    path("journeys/<int:pk>/members/<int:member_id>/", views.journey_member, name="journey_member"),
]
