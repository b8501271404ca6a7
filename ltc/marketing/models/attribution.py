"""Attribution credits (归因记账): what each campaign is credited for each outcome, precomputed so
the attribution report only adds up rows (ltc.marketing.services.attribution_credits keeps them).

`AttributionCredit` is one (model, outcome, campaign) share: the outcome's subject (a lead or a
deal), its day in the local time zone, the fraction of it credited to the campaign and the
credited amount (won amount, cash). `AttributionDay` sums the credits per (model, outcome,
campaign, day): what the report reads. The campaign's type is read from the campaign when the
report is asked for (a campaign can be re-typed), not stored here."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AttributionModel(models.TextChoices):
    """How an outcome is shared among the touches before it."""

    FIRST = "first", _("First touch")
    LAST = "last", _("Last touch")
    LINEAR = "linear", _("Linear (multi-touch)")


class Outcome(models.TextChoices):
    """What a campaign is credited with; lead outcomes are about a lead, the others a deal."""

    LEAD = "lead", pgettext_lazy("attribution", "Lead created")
    MQL = "mql", pgettext_lazy("attribution", "MQL")
    SQL = "sql", pgettext_lazy("attribution", "SQL")
    DEAL = "deal", pgettext_lazy("attribution", "Deal created")
    WON = "won", pgettext_lazy("attribution", "Deal won")
    CASH = "cash", pgettext_lazy("attribution", "Cash collected")


LEAD_OUTCOMES = (Outcome.LEAD, Outcome.MQL, Outcome.SQL)
DEAL_OUTCOMES = (Outcome.DEAL, Outcome.WON, Outcome.CASH)


class AttributionCredit(models.Model):
    """One campaign's share of one outcome under one model. Derived data, rebuilt at will: no
    foreign-key constraint (its check would cost the rebuild millions of lookups)."""

    model = models.CharField(_("attribution model"), max_length=8, choices=AttributionModel.choices)
    outcome = models.CharField(pgettext_lazy("attribution", "outcome"), max_length=8, choices=Outcome.choices)
    subject_id = models.BigIntegerField(pgettext_lazy("attribution", "lead or deal"))
    campaign = models.ForeignKey(
        "marketing.Campaign",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("campaign"),
    )
    day = models.DateField(pgettext_lazy("attribution", "day"))
    credit = models.DecimalField(pgettext_lazy("attribution", "credit"), max_digits=12, decimal_places=8)
    amount = models.DecimalField(
        pgettext_lazy("attribution", "credited amount"), max_digits=22, decimal_places=6, default=0
    )

    class Meta:
        verbose_name = pgettext_lazy("attribution", "attribution credit")
        verbose_name_plural = pgettext_lazy("attribution", "attribution credits")
        indexes = [
            models.Index(fields=["outcome", "subject_id"], name="mkt_credit_subject"),
            models.Index(fields=["day"], name="mkt_credit_day"),
            models.Index(fields=["campaign"], name="mkt_credit_campaign"),
        ]


class AttributionDay(models.Model):
    """The credits of one (model, outcome, campaign, day), summed: the report's rows."""

    model = models.CharField(_("attribution model"), max_length=8, choices=AttributionModel.choices)
    outcome = models.CharField(pgettext_lazy("attribution", "outcome"), max_length=8, choices=Outcome.choices)
    campaign = models.ForeignKey(
        "marketing.Campaign",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("campaign"),
    )
    day = models.DateField(pgettext_lazy("attribution", "day"))
    credit = models.DecimalField(pgettext_lazy("attribution", "credit"), max_digits=20, decimal_places=8)
    amount = models.DecimalField(
        pgettext_lazy("attribution", "credited amount"), max_digits=24, decimal_places=6, default=0
    )

    class Meta:
        verbose_name = pgettext_lazy("attribution", "attribution day")
        verbose_name_plural = pgettext_lazy("attribution", "attribution days")
        constraints = [
            models.UniqueConstraint(fields=["model", "day", "campaign", "outcome"], name="mkt_attribution_day_unique")
        ]
        indexes = [models.Index(fields=["campaign"], name="mkt_attrday_campaign")]
