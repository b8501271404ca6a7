"""/marketing/events/...: events and check-in; /marketing/e/<key>/: the public registration page."""

from django.urls import URLPattern, path

from ltc.marketing import views_events as views

urlpatterns: list[URLPattern] = [
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/walk-in/", views.event_walk_in, name="event_walk_in"),
    path(
        "events/<int:pk>/registrations/<int:registration_pk>/check-in/",
        views.event_check_in,
        name="event_check_in",
    ),
    path("e/<str:key>/", views.event_public, name="event_public"),
    path("e/<str:key>/thanks/", views.event_thanks, name="event_thanks"),
]
