"""Tenants (the companies using Guide) and their members. Every other app's records point
back to a tenant; this app imports none of them."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone; use an IANA name such as Europe/Paris.",
            params={"value": value},
        )


class Tenant(models.Model):
    """A company using Guide. Everything a tenant owns points back here."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    brand_color = models.CharField(
        max_length=7,
        default="#4f46e5",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour such as #4f46e5.")],
        help_text="Accent colour of the candidate guides, as #rrggbb.",
    )
    logo_url = models.URLField("logo URL", blank=True)
    default_timezone = models.CharField(
        "default time zone",
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="Shown to candidates whose own time zone Ashby does not know.",
    )
    # The candidate's browser language wins when Guide has it (settings.LANGUAGES); else this.
    guide_language = models.CharField(
        "candidates' default language",
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text="The language of the candidate guides when a browser asks for none Guide has.",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        # The table keeps the name it had when the model lived in guides (moved in place).
        db_table = "guides_tenant"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in a tenant. Admins change settings; members only read."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member (read-only)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        db_table = "guides_membership"
        ordering = ["tenant__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="one_membership_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class StaffProfile(models.Model):
    """A staff user's console settings: the zone every time in the console is shown in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    time_zone = models.CharField(
        "time zone",
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=(
            "An IANA name such as America/New_York or Europe/Paris. Blank: a tenant's pages "
            "use the tenant's zone, every other page UTC."
        ),
    )

    class Meta:
        verbose_name = "staff profile"
        verbose_name_plural = "staff profiles"

    def __str__(self) -> str:
        return f"{self.user} ({self.time_zone or 'no time zone set'})"
