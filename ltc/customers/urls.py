from django.urls import path

from ltc.customers import lists, views

app_name = "customers"
urlpatterns = [
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/bulk/", lists.account_bulk, name="account_bulk"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/lookup/", views.account_lookup, name="account_lookup"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/notes/", views.account_note_add, name="account_note_add"),
    path("accounts/<int:pk>/delete/", views.account_delete, name="account_delete"),
    path("accounts/<int:pk>/merge/", views.account_merge, name="account_merge"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/bulk/", lists.contact_bulk, name="contact_bulk"),
    path("contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/notes/", views.contact_note_add, name="contact_note_add"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/merge/", views.contact_merge, name="contact_merge"),
]
