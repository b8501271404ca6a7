"""The customer portal's sign-in (客户门户): a one-time link sent to a contact's e-mail. Only the
hash of the link's token is stored; a link works once, within its lifetime."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalLink(models.Model):
    contact = models.ForeignKey("customers.Contact", on_delete=models.PROTECT, related_name="portal_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    requested_from = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("portal sign-in link")
        verbose_name_plural = _("portal sign-in links")
