"""/service/assets/...: the installed base (装机清单)."""

from django.urls import URLPattern, URLResolver, path

from ltc.service import views_assets as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("assets/", views.asset_list, name="asset_list"),
    path("assets/new/", views.asset_create, name="asset_create"),
    path("assets/<int:pk>/", views.asset_detail, name="asset_detail"),
    path("assets/<int:pk>/edit/", views.asset_edit, name="asset_edit"),
    path("assets/<int:pk>/retire/", views.asset_retire, name="asset_retire"),
]
