"""Customer companies (accounts) and the people at them (contacts)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.core import normalize
from ltc.core.models import VersionedModel
from ltc.customers.choices import AccountStatus, CompanySize
from ltc.customers.validators import validate_credit_code, validate_mobile, validate_phone
from ltc.org.choices import Industry, Region


class AccountQuerySet(models.QuerySet["Account"]):
    def active(self) -> AccountQuerySet:
        """Accounts that were not merged into another one."""
        return self.filter(merged_into__isnull=True)


class Account(VersionedModel):
    """A customer company. `name_key` and `credit_code` feed the duplicate matcher.

    A credit code belongs to one active account (a merged account keeps its values for the
    record but no longer holds the code). A merged account is kept, pointing at its target.
    """

    name = models.CharField(_("name"), max_length=200, validators=[MinLengthValidator(2)])
    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code], db_index=True
    )
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, blank=True)
    size = models.CharField(_("size"), max_length=16, choices=CompanySize.choices, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=AccountStatus.choices, default=AccountStatus.PROSPECT)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subsidiaries",
        verbose_name=_("parent account"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("owner")
    )
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_accounts",
        editable=False,
        verbose_name=_("merged into"),
    )

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code="") & Q(merged_into__isnull=True),
                name="account_credit_code_unique",
                violation_error_code="credit_code_taken",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "name", "id"], name="account_region_name"),
            models.Index(fields=["owner", "name", "id"], name="account_owner_name"),
            models.Index(fields=["status", "name", "id"], name="account_status_name"),
            models.Index(fields=["-updated_at", "-id"], name="account_updated"),
            # Marketing segment counts (#19): an account's rule columns, read without the rows.
            models.Index(
                fields=["industry", "region", "size", "status", "owner"], include=["id"], name="account_segment"
            ),
            # Company size alone ("large companies": 40% of a million accounts): their ids from a
            # narrow index, joined to the contacts' own narrow index, never the wide rows.
            models.Index(fields=["size"], include=["id"], name="account_size"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:account_detail", args=[self.pk])

    def normalise(self) -> None:
        self.name = " ".join(self.name.split())
        self.name_key = normalize.company_name(self.name)
        self.credit_code = normalize.credit_code(self.credit_code)


class ContactQuerySet(models.QuerySet["Contact"]):
    def active(self) -> ContactQuerySet:
        """Contacts that were not merged into another one."""
        return self.filter(merged_into__isnull=True)


class Contact(VersionedModel):
    """A person at a customer. Visible to whoever may see the account. A merged contact is kept,
    pointing at its target."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("account"))
    name = models.CharField(_("name"), max_length=100, validators=[MinLengthValidator(1)])
    title = models.CharField(_("title"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[validate_mobile])
    mobile_key = models.CharField(max_length=20, editable=False, db_index=True, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    email = models.EmailField(_("email"), blank=True)
    email_key = models.CharField(max_length=254, editable=False, db_index=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_contacts",
        editable=False,
        verbose_name=_("merged into"),
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["account", "name"], name="contact_account_name"),
            models.Index(Lower("name"), name="contact_name_lower"),
            # Marketing segment counts (#19): unmerged contacts by account, with the e-mail key consent reads.
            models.Index(
                fields=["account"],
                include=["id", "email_key"],
                condition=Q(merged_into__isnull=True),
                name="contact_segment",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:contact_detail", args=[self.pk])

    def normalise(self) -> None:
        self.name = " ".join(self.name.split())
        self.email = normalize.email(self.email)
        self.email_key = self.email
        self.mobile_key = normalize.mobile(self.mobile)
        if self.mobile_key and len(self.mobile_key) == 11:
            self.mobile = self.mobile_key
