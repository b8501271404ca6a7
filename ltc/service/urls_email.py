"""/service/: the email area's pages (inbound mail for agents, the public survey)."""

from django.urls import URLPattern, URLResolver, path

from ltc.service import views_email as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("inbound/", views.inbound_list, name="inbound_list"),
    path("inbound/<int:pk>/", views.inbound_detail, name="inbound_detail"),
    path("survey/<str:token>/", views.survey, name="survey"),
]
