from django.urls import path

from ltc.quotes import views

app_name = "quotes"
urlpatterns = [
    path("", views.quote_list, name="quote_list"),
    path("new/", views.quote_create, name="quote_create"),
    path("<int:pk>/", views.quote_detail, name="quote_detail"),
    path("<int:pk>/edit/", views.quote_edit, name="quote_edit"),
    path("<int:pk>/totals/", views.quote_totals, name="quote_totals"),
    path("<int:pk>/compare/", views.quote_compare, name="quote_compare"),
    path("<int:pk>/document/", views.quote_document, name="quote_document"),
    path("<int:pk>/<str:action>/", views.quote_action, name="quote_action"),
]
