"""/service/routing/: the case routing rule pages (names in the "service" namespace)."""

from django.urls import URLPattern, URLResolver, path

from ltc.service import views_routing as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("routing/", views.routing_list, name="routing_list"),
    path("routing/new/", views.routing_create, name="routing_create"),
    path("routing/<int:pk>/edit/", views.routing_edit, name="routing_edit"),
    path("routing/<int:pk>/deactivate/", views.routing_deactivate, name="routing_deactivate"),
]
