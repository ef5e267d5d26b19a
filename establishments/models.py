"""The registry: regions, departments, GHTs, establishments, and the people who use the portal."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from care_portal.precompiled import PrecompiledQuery
from establishments.geography import department_display_code
from establishments.names import readable_name
from establishments.validators import validate_finess

QuerySetT = TypeVar("QuerySetT", bound=models.QuerySet)


class Role(models.TextChoices):
    RSSI = "rssi", _("RSSI")
    DIRECTOR = "director", _("Direction d'établissement")
    GHT = "ght", _("Responsable de GHT")
    ARS = "ars", _("ARS")
    NATIONAL = "national", _("Niveau national")


# The order in which a person's main role is picked when they hold several.
ROLE_PRECEDENCE = [Role.NATIONAL, Role.ARS, Role.GHT, Role.DIRECTOR, Role.RSSI]


class Kind(models.TextChoices):
    ES = "ES", _("Établissement de santé")
    ESSMS = "ESSMS", _("Établissement social et médico-social")


class Nis2Status(models.TextChoices):
    """Where an establishment stands under the NIS2 directive (see `establishments.regulatory`)."""

    ESSENTIAL = "essential", _("Entité essentielle")
    IMPORTANT = "important", _("Entité importante")
    NOT_CONCERNED = "not_concerned", _("Non concernée")
    TO_DETERMINE = "to_determine", _("À déterminer")


class StatusOrigin(models.TextChoices):
    DERIVED = "derived", _("Déduit de la taille de l'entité")
    ARS = "ars", _("Fixé par l'ARS")


# --- Scopes -----------------------------------------------------------------------------------


class Scope:
    """What one person may see, computed once from their role assignments.

    `everything` is set for the national level (and superusers); the sets hold the scopes of the
    person's own assignments whatever `everything` says: `establishment_ids` their establishments
    as RSSI or director, `ght_ids` the GHTs they lead, `region_codes` the regions of their ARS.
    """

    def __init__(self, user=None) -> None:
        self.everything = False
        self.establishment_ids: set[int] = set()
        self.ght_ids: set[int] = set()
        self.region_codes: set[str] = set()
        if user is None or not user.is_authenticated or not user.is_active:
            return
        self.everything = user.is_superuser
        for assignment in user.assignments:
            if assignment.role == Role.NATIONAL:
                self.everything = True
            elif assignment.role in (Role.RSSI, Role.DIRECTOR):
                self.establishment_ids.add(assignment.establishment_id)
            elif assignment.role == Role.GHT:
                self.ght_ids.add(assignment.ght_id)
            elif assignment.role == Role.ARS:
                self.region_codes.add(assignment.region_id)

    @classmethod
    def of(
        cls,
        *,
        everything: bool = False,
        establishment_ids: Iterable[int] = (),
        ght_ids: Iterable[int] = (),
        region_codes: Iterable[str] = (),
    ) -> Scope:
        """A scope given by its parts (``parts()`` of another, or everything)."""
        scope = cls()
        scope.everything = everything
        scope.establishment_ids = set(establishment_ids)
        scope.ght_ids = set(ght_ids)
        scope.region_codes = set(region_codes)
        return scope

    def parts(self) -> dict[str, Any]:
        """What the scope holds, the sets in order: ``Scope.of(**scope.parts())`` is the same."""
        return {
            "everything": self.everything,
            "establishment_ids": sorted(self.establishment_ids),
            "ght_ids": sorted(self.ght_ids),
            "region_codes": sorted(self.region_codes),
        }

    def whole_region(self, code: str) -> bool:
        """Whether the scope holds region `code` whole (the national level, or an ARS of it):
        every establishment there, however many."""
        return self.everything or code in self.region_codes

    def whole_ght(self, ght_id: int) -> bool:
        """Whether the scope holds GHT `ght_id` whole (the national level, or its lead): every
        member, in whatever region."""
        return self.everything or ght_id in self.ght_ids

    def q(
        self,
        *,
        establishment: str | None = None,
        ght: str | None = None,
        region: str | Sequence[str] = (),
    ) -> Q | None:
        """The filter on what this scope covers, through lookup paths; None when it covers nothing.

        - `establishment`: the path to an establishment ("" for `Establishment` itself, else e.g.
          "establishment__"): the person's establishments, their GHTs' and regions' establishments;
        - `ght`: the path to a GHT ("" for `GHT` itself): the GHTs they lead, their regions' GHTs;
        - `region`: one or more paths to a region code ("code", "region_id",
          "establishment__region_id"): rows in the regions of their ARS, through any of the paths.

        The national level covers everything: `Q()`.
        """
        if self.everything:
            return Q()
        q = Q()
        if establishment is not None:
            if self.establishment_ids:
                q |= Q(**{f"{establishment}pk__in": self.establishment_ids})
            if self.ght_ids:
                q |= Q(**{f"{establishment}ght_id__in": self.ght_ids})
            if self.region_codes:
                q |= Q(**{f"{establishment}region_id__in": self.region_codes})
        if ght is not None:
            if self.ght_ids:
                q |= Q(**{f"{ght}pk__in": self.ght_ids})
            if self.region_codes:
                q |= Q(**{f"{ght}region_id__in": self.region_codes})
        if self.region_codes:
            for path in [region] if isinstance(region, str) else region:
                q |= Q(**{f"{path}__in": self.region_codes})
        return q or None


def scope_of(user) -> Scope:
    """The scope of anyone, signed in or not (an anonymous person's covers nothing)."""
    return user.scope if user.is_authenticated else Scope(user)


def in_scope(
    queryset: QuerySetT,
    user,
    *,
    establishment: str | None = None,
    ght: str | None = None,
    region: str | Sequence[str] = (),
) -> QuerySetT:
    """`queryset` narrowed to the person's scope through the given paths (see `Scope.q`).

    The one scoping rule behind every `for_user` method, in this app and above it.
    """
    q = scope_of(user).q(establishment=establishment, ght=ght, region=region)
    return queryset.none() if q is None else queryset.filter(q)


class RegionQuerySet(models.QuerySet):
    def for_user(self, user) -> RegionQuerySet:
        return in_scope(self, user, region="code")


class GHTQuerySet(models.QuerySet):
    def for_user(self, user) -> GHTQuerySet:
        return in_scope(self, user, ght="")


class EstablishmentScopedQuerySet(models.QuerySet):
    """Rows a person sees when they may see the establishment the rows belong to."""

    # The lookup path from the model to its establishment ("" for Establishment itself).
    establishment_path = "establishment__"

    def for_user(self, user):
        """The one scoping rule every view, export and API uses."""
        return in_scope(self, user, establishment=self.establishment_path)


class EstablishmentQuerySet(EstablishmentScopedQuerySet):
    establishment_path = ""


# --- Registry ---------------------------------------------------------------------------------


class Region(models.Model):
    """A region and its ARS (agence régionale de santé), keyed by its INSEE code."""

    code = models.CharField(_("code INSEE"), max_length=2, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("région")
        verbose_name_plural = _("régions")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A department as FINESS codes it (01…95, 2A/2B, 9A–9F overseas)."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departments", verbose_name=_("région")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("département")
        verbose_name_plural = _("départements")

    def __str__(self) -> str:
        return f"{self.display_code} — {self.name}"

    @property
    def display_code(self) -> str:
        """The code people know the department by: "971", not FINESS's "9A"."""
        return department_display_code(self.code)


class GHT(models.Model):
    """A groupement hospitalier de territoire, led by its support establishment."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("nom"), max_length=255)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="ghts", verbose_name=_("région")
    )
    support_ej = models.CharField(
        _("FINESS EJ de l'établissement support"), max_length=9, blank=True
    )
    support_establishment = models.ForeignKey(
        "Establishment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("établissement support"),
    )

    objects = GHTQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("GHT")
        verbose_name_plural = _("GHT")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class GHTMember(models.Model):
    """A legal entity (FINESS EJ) belonging to a GHT; its establishments belong to the GHT."""

    finess_ej = models.CharField(
        _("FINESS EJ"), max_length=9, unique=True, validators=[validate_finess]
    )
    ght = models.ForeignKey(
        GHT, on_delete=models.CASCADE, related_name="members", verbose_name=_("GHT")
    )
    is_support = models.BooleanField(_("établissement support"), default=False)
    # The entity's share of the GHT's combined activity, in percent (the GHT import file's
    # optional `part_activite` column, or typed by the GHT lead): read by funding-call rules
    # such as "entities covering at least 66 % of the activity".
    activity_share = models.DecimalField(
        _("part de l'activité du GHT (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["ght", "finess_ej"]
        verbose_name = _("membre de GHT")
        verbose_name_plural = _("membres de GHT")

    def __str__(self) -> str:
        return f"{self.finess_ej} ({self.ght.code})"


class Establishment(models.Model):
    """A geographic establishment (FINESS ET): a hospital, a clinic, a nursing home…"""

    finess = models.CharField(
        _("FINESS ET"), max_length=9, unique=True, validators=[validate_finess]
    )
    finess_ej = models.CharField(
        _("FINESS EJ"), max_length=9, db_index=True, validators=[validate_finess]
    )
    name = models.CharField(_("raison sociale"), max_length=255)
    kind = models.CharField(_("type"), max_length=5, choices=Kind.choices, db_index=True)
    category_code = models.CharField(_("code catégorie"), max_length=4)
    category_label = models.CharField(_("catégorie"), max_length=255)
    aggregated_category_code = models.CharField(
        _("code catégorie agrégée"), max_length=4, blank=True
    )
    aggregated_category_label = models.CharField(_("catégorie agrégée"), max_length=255, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("département")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="establishments", verbose_name=_("région")
    )
    ght = models.ForeignKey(
        GHT,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="establishments",
        verbose_name=_("GHT"),
    )
    legal_status = models.CharField(_("statut juridique"), max_length=255, blank=True)
    city = models.CharField(_("commune"), max_length=255, blank=True)
    # The SIRET the FINESS extract gives (empty for some establishments): compared with the one
    # an identity provider returns for a person (`RoleAssignment.siret_check`).
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, db_index=True)
    is_active = models.BooleanField(_("actif"), default=True)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)
    # Regulatory status (NIS2, OSE): written only by `establishments.regulatory`. The size
    # facts are those of the legal entity, as the ARS records them; unknown stays empty.
    staff_count = models.PositiveIntegerField(_("effectif (ETP)"), null=True, blank=True)
    turnover_meur = models.DecimalField(
        _("chiffre d'affaires (M€)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    balance_sheet_meur = models.DecimalField(
        _("total du bilan (M€)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    nis2_status = models.CharField(
        _("statut NIS2"),
        max_length=16,
        choices=Nis2Status.choices,
        default=Nis2Status.TO_DETERMINE,
        db_index=True,
    )
    nis2_origin = models.CharField(
        _("origine du statut NIS2"),
        max_length=8,
        choices=StatusOrigin.choices,
        default=StatusOrigin.DERIVED,
    )
    is_ose = models.BooleanField(_("désigné OSE"), default=False, db_index=True)
    regulatory_reason = models.CharField(
        _("motif du statut réglementaire"), max_length=500, blank=True
    )
    regulatory_set_by = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("statut réglementaire fixé par"),
    )
    regulatory_set_at = models.DateTimeField(
        _("statut réglementaire fixé le"), null=True, blank=True
    )

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        indexes = [
            models.Index(fields=["region", "kind"]),
            # The lists' default order (name, then FINESS): the first page of 45,000
            # establishments is read from the index instead of sorting every row.
            models.Index(fields=["name", "finess"], name="establishment_name_finess"),
            # The same order within a region (a regional dashboard's or list's page): read from
            # the index rather than by filtering the national order down to one region.
            models.Index(fields=["region", "name", "finess"], name="establishment_region_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.finess})"

    @property
    def display_name(self) -> str:
        """The name as pages, e-mails and reports show it: in readable case when FINESS gives it
        in capitals only (``establishments.names``); exports keep ``name``, FINESS's text."""
        return readable_name(self.name)

    @property
    def category_group(self) -> str:
        """Its FINESS aggregated category, else its category (what peers are grouped on)."""
        return self.aggregated_category_code or self.category_code

    @staticmethod
    def category_group_sql(path: str) -> Coalesce:
        """:attr:`category_group` as an expression, from the establishment at ``path``."""
        return Coalesce(
            NullIf(f"{path}__aggregated_category_code", Value("")), f"{path}__category_code"
        )

    @property
    def is_ght_support(self) -> bool:
        return self.ght_id is not None and self.ght.support_establishment_id == self.pk


# --- People -----------------------------------------------------------------------------------


def normalize_address(address: str) -> str:
    """The one spelling of an e-mail address under which an account is stored and signed in to.

    Compatibility look-alikes (fullwidth letters, ligatures, non-breaking spaces…) become their
    plain form (NFKC), case is folded, and surrounding spaces are dropped, so that every spelling
    that names the same account names it the same way: for the account lookup at sign-in, for
    sign-in throttling and for the audit log.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", address).casefold())
    return folded.strip()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email or not normalize_address(email):
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalize_address(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        """Sign-in finds the account whatever the spelling typed (see `normalize_address`)."""
        return self.get(**{self.model.USERNAME_FIELD: normalize_address(str(username))})


class User(AbstractBaseUser, PermissionsMixin):
    """A person signing in with their e-mail address."""

    email = models.EmailField(_("adresse électronique"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    is_staff = models.BooleanField(_("accès à l'administration"), default=False)
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)
    # The SIRET of the organisation the person last signed in for through ProConnect, shown to
    # whoever grants them a role.
    provider_siret = models.CharField(_("SIRET transmis par ProConnect"), max_length=14, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @classmethod
    def normalize_username(cls, username):
        """Applied by `clean()` (administration forms): the address is stored normalised."""
        return normalize_address(username) if isinstance(username, str) else username

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @cached_property
    def assignments(self) -> list[RoleAssignment]:
        assignments = _ROLE_ASSIGNMENTS.instances(user_id=self.pk)
        for assignment in assignments:
            assignment.user = self
        return assignments  # type: ignore[return-value]

    @cached_property
    def scope(self) -> Scope:
        return Scope(self)

    @cached_property
    def roles(self) -> set[str]:
        return {assignment.role for assignment in self.assignments}

    @property
    def is_national(self) -> bool:
        return self.is_superuser or Role.NATIONAL in self.roles

    @property
    def main_role(self) -> str | None:
        """The broadest role this person holds (shown in the header, drives navigation)."""
        for role in ROLE_PRECEDENCE:
            if role in self.roles:
                return role
        return Role.NATIONAL if self.is_superuser else None

    @property
    def main_role_label(self) -> str:
        role = self.main_role
        return Role(role).label if role else _("Sans rôle")


class RoleAssignment(models.Model):
    """One role held by one person over one scope (an establishment, a GHT, a region, or all)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("personne")
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices)
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("établissement"),
    )
    ght = models.ForeignKey(
        GHT, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("GHT")
    )
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("région")
    )
    created_at = models.DateTimeField(_("attribué le"), auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("attribution de rôle")
        verbose_name_plural = _("attributions de rôle")
        constraints = [
            models.CheckConstraint(
                name="role_assignment_scope_matches_role",
                condition=(
                    Q(
                        role__in=[Role.RSSI, Role.DIRECTOR],
                        establishment__isnull=False,
                        ght__isnull=True,
                        region__isnull=True,
                    )
                    | Q(
                        role=Role.GHT,
                        establishment__isnull=True,
                        ght__isnull=False,
                        region__isnull=True,
                    )
                    | Q(
                        role=Role.ARS,
                        establishment__isnull=True,
                        ght__isnull=True,
                        region__isnull=False,
                    )
                    | Q(
                        role=Role.NATIONAL,
                        establishment__isnull=True,
                        ght__isnull=True,
                        region__isnull=True,
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.scope_label}"

    @property
    def scope_label(self) -> str:
        target = self.establishment or self.ght or self.region
        return str(target) if target else str(_("tout le territoire"))

    def siret_check(self) -> SiretCheck | None:
        """How the SIRET the person's identity provider gave compares with this role's scope.

        None when there is nothing to compare: no SIRET from a provider, or a regional or
        national role (an ARS agent's SIRET is the ARS's, no establishment's). A SIRET of the
        same legal entity (same SIREN, the first nine digits) as an establishment of the scope
        matches: people of a hospital's head office sign in with its SIRET.
        """
        siret = self.user.provider_siret
        if not siret or self.role not in (Role.RSSI, Role.DIRECTOR, Role.GHT):
            return None
        if self.establishment_id:
            known = {self.establishment.siret} - {""}
        else:
            known = set(
                Establishment.objects.filter(ght_id=self.ght_id)
                .exclude(siret="")
                .values_list("siret", flat=True)
            )
        if not known:
            return SiretCheck.UNKNOWN
        if siret in known or siret[:9] in {value[:9] for value in known}:
            return SiretCheck.MATCH
        return SiretCheck.MISMATCH


class SiretCheck(models.TextChoices):
    MATCH = "match", _("SIRET conforme à l’établissement du rôle")
    MISMATCH = "mismatch", _("SIRET différent de celui de l’établissement du rôle : à vérifier")
    UNKNOWN = "unknown", _("SIRET de l’établissement inconnu du FINESS : vérification impossible")


# Every request of a signed-in person reads their roles: its SQL is built once.
_ROLE_ASSIGNMENTS = PrecompiledQuery(
    RoleAssignment,
    lambda user_id: (
        RoleAssignment.objects.filter(user_id=user_id)
        .select_related("establishment", "ght", "region")
        .order_by("pk")
    ),
    user_id=-1,
)
