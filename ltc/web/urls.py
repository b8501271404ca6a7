from django.contrib.auth import views as auth_views
from django.urls import path

from ltc.web import views, views_delegation

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("search/", views.search, name="search"),
    path("language/", views.set_language, name="set_language"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("profile/delegations/", views_delegation.delegation_page, name="delegations"),
    path("profile/delegations/<int:pk>/cancel/", views_delegation.delegation_cancel, name="delegation_cancel"),
]
