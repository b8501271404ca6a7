"""The customer's side of a quote: its private link (no sign-in)."""

from django.urls import path

from ltc.quotes import views

app_name = "quote_links"
urlpatterns = [
    path("<str:token>/", views.public_quote, name="public_quote"),
    path("<str:token>/pdf/", views.public_quote_pdf, name="public_quote_pdf"),
]
