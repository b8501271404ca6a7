"""Accounts and contacts in the back office: shown, never changed (they change in the app, where
the version is checked and the timeline written)."""

from django.contrib import admin

from ltc.core.admin import ReadOnlyAdmin
from ltc.customers.models import Account, Contact


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("name", "credit_code", "region", "industry", "status", "owner")
    list_filter = ("status", "region", "industry")
    search_fields = ("name", "credit_code")
    raw_id_fields = ("parent", "owner")


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ("name", "account", "title", "mobile", "email")
    search_fields = ("name", "email", "mobile")
    raw_id_fields = ("account",)
