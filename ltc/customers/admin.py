from django.contrib import admin

from ltc.customers.models import Account, Contact


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin[Account]):
    list_display = ("name", "credit_code", "region", "industry", "status", "owner")
    list_filter = ("status", "region", "industry")
    search_fields = ("name", "credit_code")
    raw_id_fields = ("parent", "owner")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin[Contact]):
    list_display = ("name", "account", "title", "mobile", "email")
    search_fields = ("name", "email", "mobile")
    raw_id_fields = ("account",)
