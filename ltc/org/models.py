"""Users, roles, the team tree, territories, personal API tokens and the authority matrix."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.models import VersionedModel
from ltc.core.money import Currency, money_field
from ltc.org.choices import GLOBAL_SCOPE_ROLES, AuthoritySubject, Industry, Language, Region, RoleCode


class Role(models.Model):
    """A business role; a user may hold several (an AR can also be a sales manager)."""

    code = models.CharField(_("code"), max_length=32, unique=True, choices=RoleCode.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return str(self.get_code_display())


class Team(models.Model):
    """A node of the sales organisation; teams form a tree and each has a manager."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent team")
    )
    manager = models.ForeignKey(
        "org.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
        verbose_name=_("manager"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Logs in by username or email."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members", verbose_name=_("team")
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users", verbose_name=_("roles"))
    amounts_in_wan = models.BooleanField(
        _("show large amounts in 万 / 亿"),
        default=False,
        # A database default too: code running on an older model state (a data migration) inserts users without it.
        db_default=False,
        help_text=_("On screen only: printed documents, exports and the API keep exact amounts."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=~models.Q(email=""), name="user_email_unique_ci")
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    # Access protocol used by ltc.core.access; cached on the instance for one request.

    def role_codes(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.roles.values_list("code", flat=True)) if self.pk else frozenset()
            self._role_codes = cached
        return cached

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes() & set(codes))

    def has_global_scope(self, *, area: str = "sales") -> bool:
        return bool(self.role_codes() & GLOBAL_SCOPE_ROLES[area])

    def managed_team_ids(self) -> frozenset[int]:
        """Teams this user manages and every team below them."""
        cached: frozenset[int] | None = getattr(self, "_managed_team_ids", None)
        if cached is None:
            cached = frozenset(_subtree_ids(self.pk)) if self.pk else frozenset()
            self._managed_team_ids = cached
        return cached

    def people_in_view(self) -> list[int]:
        """The user and everyone in the teams the user manages (the team → people expansion every
        access rule shares), looked up once per user object; sorted, for stable filters."""
        cached: list[int] | None = getattr(self, "_people_in_view", None)
        if cached is None:
            ids = {self.pk}
            teams = self.managed_team_ids()
            if teams:
                ids |= set(User.objects.filter(team_id__in=teams).values_list("pk", flat=True))
            cached = sorted(ids)
            self._people_in_view = cached
        return cached

    def refresh_access_cache(self) -> None:
        for attr in ("_role_codes", "_managed_team_ids", "_people_in_view"):
            self.__dict__.pop(attr, None)


def _subtree_ids(manager_id: Any) -> set[int]:
    rows = list(Team.objects.values_list("id", "parent_id", "manager_id"))
    children: dict[int | None, list[int]] = {}
    for team_id, parent_id, _manager in rows:
        children.setdefault(parent_id, []).append(team_id)
    found: set[int] = set()
    stack = [team_id for team_id, _parent, mgr in rows if mgr == manager_id]
    while stack:
        team_id = stack.pop()
        if team_id not in found:
            found.add(team_id)
            stack.extend(children.get(team_id, []))
    return found


class Territory(models.Model):
    """A sales territory (region × industry) served by a team; used by lead routing."""

    name = models.CharField(_("name"), max_length=100)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, blank=True)
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="territories", verbose_name=_("team"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Authority(VersionedModel):
    """One line of the authority matrix: a role or a user may decide a subject up to an amount
    (in one currency; blank = no limit). A user's authority is the highest line that applies.
    Quote discount lines also bound the discount and the margin: a line covers a quote when the
    amount, the discount and the margin are all within it."""

    subject = models.CharField(_("decides"), max_length=32, choices=AuthoritySubject.choices)
    role = models.ForeignKey(
        Role, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("role")
    )
    user = models.ForeignKey(
        "org.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    max_amount = money_field(_("up to amount"), null=True, blank=True, help_text=_("Blank: no limit."))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    max_discount_pct = models.DecimalField(
        _("up to discount %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Quote discounts only. Blank: no limit."),
    )
    min_margin_pct = models.DecimalField(
        _("margin at least %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
        help_text=_("Quote discounts only. Blank: any margin."),
    )

    class Meta:
        ordering = ["subject", "max_amount"]
        verbose_name = _("authority")
        verbose_name_plural = _("authority matrix")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role__isnull=False, user__isnull=True) | Q(role__isnull=True, user__isnull=False)),
                name="authority_role_or_user",
            )
        ]

    @staticmethod
    def timeline_choices(changes: list[dict[str, str]]) -> dict[str, Any]:
        """The timeline keeps a line's role by its code (ltc.org.services): read as the role's label."""
        return {"role": RoleCode.choices, "subject": AuthoritySubject.choices}

    def __str__(self) -> str:
        who = self.user or self.role
        limit = f"{self.max_amount} {self.currency}" if self.max_amount is not None else "∞"
        return f"{self.get_subject_display()}: {who} ≤ {limit}"


class CompanyProfile(VersionedModel):
    """The selling company as its documents (quotes, contracts, invoices) present it: one row."""

    name = models.CharField(_("company name"), max_length=200, default="")
    name_en = models.CharField(_("company name (English)"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    tax_id = models.CharField(_("taxpayer ID (统一社会信用代码)"), max_length=18, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=64, blank=True)
    logo = models.FileField(
        _("logo"), upload_to="company/", blank=True, help_text=_("PNG or JPEG, printed at the top of documents.")
    )
    quote_terms = models.TextField(
        _("standard quote terms"), blank=True, max_length=5000, help_text=_("Printed under every quote.")
    )

    class Meta:
        verbose_name = _("company profile")
        verbose_name_plural = _("company profile")

    def __str__(self) -> str:
        return self.name or "—"

    @classmethod
    def current(cls) -> CompanyProfile:
        """The profile, or an empty unsaved one before it is set up."""
        return cls.objects.order_by("pk").first() or cls(name="")


class DelegationQuerySet(models.QuerySet["Delegation"]):
    def active(self, on: Any = None) -> DelegationQuerySet:
        """Not cancelled and running on `on` (default: today in the company's time zone)."""
        day = on or timezone.localdate()
        return self.filter(cancelled_at__isnull=True, starts_on__lte=day, ends_on__gte=day)


class Delegation(models.Model):
    """Delegation of authority while away (授权委托): from `starts_on` to `ends_on` (inclusive,
    company dates) the delegate may decide in the principal's name what the principal's authority
    covers, for the listed subjects (none listed: all). Decisions taken so record both people.
    Never deleted: a delegation ended early is cancelled."""

    principal = models.ForeignKey(
        "org.User", on_delete=models.PROTECT, related_name="delegations_given", verbose_name=_("principal")
    )
    delegate = models.ForeignKey(
        "org.User", on_delete=models.PROTECT, related_name="delegations_received", verbose_name=_("delegate")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    subjects = models.JSONField(
        _("decides"), default=list, blank=True, help_text=_("Empty: everything the authority covers.")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey("org.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = DelegationQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        indexes = [models.Index(fields=["delegate", "ends_on"], name="delegation_delegate")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_dates_in_order"),
            models.CheckConstraint(condition=~Q(principal=models.F("delegate")), name="delegation_not_to_self"),
        ]

    def __str__(self) -> str:
        return f"{self.principal} → {self.delegate} ({self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d})"

    def covers_subject(self, subject: str) -> bool:
        return not self.subjects or subject in self.subjects

    def is_running(self, on: Any = None) -> bool:
        day = on or timezone.localdate()
        return self.cancelled_at is None and self.starts_on <= day <= self.ends_on

    @staticmethod
    def timeline_choices(changes: list[dict[str, str]]) -> dict[str, Any]:
        """The timeline keeps the subjects as codes ("*": all); they read in the reader's language."""
        shown = {c["new"] for c in changes if c["field"] == "subjects"} | {
            c["old"] for c in changes if c["field"] == "subjects"
        }
        return {"subjects": [(value, _subjects_text(value)) for value in shown if value]}

    def subjects_display(self) -> list[str]:
        """The subjects in the reader's language (empty: all)."""
        return [str(AuthoritySubject(code).label) for code in self.subjects if code in AuthoritySubject.values]


def _subjects_text(codes: str) -> str:
    if codes == "*":
        return str(_("all decisions"))
    return "、".join(str(AuthoritySubject(c).label) for c in codes.split(",") if c in AuthoritySubject.values)
