"""/marketing/campaigns/: the campaign pages (names in the "marketing" namespace)."""

from django.urls import URLPattern, URLResolver, path

from ltc.marketing import views_campaigns as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/add-members/", views.campaign_members_add, name="campaign_members_add"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/costs/", views.campaign_cost_add, name="campaign_cost_add"),
    path(
        "campaigns/<int:pk>/members/<int:member_id>/remove/",
        views.campaign_member_remove,
        name="campaign_member_remove",
    ),
]
