"""Writing the action plan: actions, their status and notes, suggestions, the order by hand.

Every write is keyword-only, checks the person's right (``actions.edit_plan``), validates the
whole input before writing anything, and records one audit event. The gaps an action closes are
the scoring service's gaps of the assessment (``actions.gaps``), never derived here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.agreement import send_back_for_reagreement
from actions.funding import funding_problem
from actions.gaps import gap_codes, requirements_by_code
from actions.models import (
    COST_DECIMALS,
    COST_DIGITS,
    Action,
    ActionNote,
    PlanOrder,
)
from assessments.models import Assessment
from audit.models import Action as AuditAction
from audit.services import record_event
from establishments.models import User
from referential.numbers import NumberRefused, number_problem, read_number, shown, shown_value

TITLE_MAX = Action._meta.get_field("title").max_length
OWNER_MAX = Action._meta.get_field("owner_name").max_length
NOTE_MAX = 2000
REASON_MAX = 2000
EARLIEST_DUE = date(2000, 1, 1)
LATEST_DUE = date(2100, 12, 31)
COST_LIMIT = Decimal(10) ** (COST_DIGITS - COST_DECIMALS)
FIELDS = ("title", "gaps", "owner_name", "owner_account", "due_on", "cost_investment")
FIELDS += ("cost_operating", "funding")


class ActionRefused(Exception):
    """The input is refused; ``errors`` maps each field to its French messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def clean_cost(value: Any) -> Decimal | None:
    """An amount in euros (a JSON number, a Decimal or digits), to the cent, 0 or more.

    Raises ValueError with the French reason.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = read_number(value.strip())
        except NumberRefused as refused:
            raise ValueError(refused.reason) from None
    elif not isinstance(value, Decimal):
        problem = number_problem(value)
        if problem:
            raise ValueError(problem)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(_("ce n'est pas un nombre")) from None
    if not amount.is_finite():
        raise ValueError(_("NaN et l'infini ne sont pas des nombres acceptés"))
    if amount < 0:
        raise ValueError(_("un coût ne peut pas être négatif"))
    if amount >= COST_LIMIT:
        raise ValueError(
            _("un coût s'écrit en moins de %(n)d chiffres avant la virgule")
            % {"n": COST_DIGITS - COST_DECIMALS + 1}
        )
    if amount != amount.quantize(Decimal(1).scaleb(-COST_DECIMALS)):
        raise ValueError(_("un coût s'écrit au centime près (deux décimales au plus)"))
    return amount.quantize(Decimal(1).scaleb(-COST_DECIMALS))


def owner_accounts(assessment: Assessment):
    """The accounts that may own an action: those with a role at the establishment."""
    return (
        User.objects.filter(role_assignments__establishment_id=assessment.establishment_id)
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def _owner_problem(assessment: Assessment, account: User | None) -> str | None:
    if account is None:
        return None
    if not isinstance(account, User) or not owner_accounts(assessment).filter(pk=account.pk):
        return _("Ce compte n'a pas de rôle dans l'établissement : choisissez-en un qui en a un.")
    return None


def validate_fields(
    assessment: Assessment, data: dict[str, Any], *, action: Action | None = None
) -> dict[str, Any]:
    """The fields given, checked together; raises ActionRefused naming every bad field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def refuse(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name, value in data.items():
        if name not in FIELDS:
            continue
        if name == "title":
            text = value.strip() if isinstance(value, str) else None
            if not text:
                refuse(name, _("Donnez un intitulé à l'action."))
            elif len(text) > TITLE_MAX:
                refuse(name, _("L'intitulé dépasse %(max)d caractères.") % {"max": TITLE_MAX})
            else:
                cleaned[name] = text
        elif name == "owner_name":
            text = value.strip() if isinstance(value, str) else None
            if text is None and value is not None:
                refuse(name, _("Le porteur est un nom (un texte)."))
            elif text and len(text) > OWNER_MAX:
                refuse(
                    name, _("Le nom du porteur dépasse %(max)d caractères.") % {"max": OWNER_MAX}
                )
            else:
                cleaned[name] = text or ""
        elif name == "owner_account":
            problem = _owner_problem(assessment, value)
            if problem:
                refuse(name, problem)
            else:
                cleaned[name] = value
        elif name == "due_on":
            if value is not None and (not isinstance(value, date)):
                refuse(name, _("La date cible s'écrit AAAA-MM-JJ."))
            elif value is not None and not EARLIEST_DUE <= value <= LATEST_DUE:
                refuse(name, _("La date cible doit tomber entre 2000 et 2100."))
            else:
                cleaned[name] = value
        elif name in ("cost_investment", "cost_operating"):
            try:
                cleaned[name] = clean_cost(value)
            except ValueError as error:
                refuse(
                    name,
                    _("« %(value)s » n'est pas un coût accepté : %(reason)s.")
                    % {
                        "value": shown(value) if isinstance(value, str) else shown_value(value),
                        "reason": error,
                    },
                )
        elif name == "funding":
            funding = value if isinstance(value, str) else None
            problem = (
                _("Le financement est un texte.")
                if funding is None and value is not None
                else funding_problem(assessment.campaign.referential, funding or "")
            )
            if problem:
                refuse(name, problem)
            else:
                cleaned[name] = funding or ""
        elif name == "gaps":
            codes = _checked_gaps(assessment, value, action=action, refuse=refuse)
            if codes is not None:
                cleaned[name] = codes
    if errors:
        raise ActionRefused(errors)
    return cleaned


def _checked_gaps(assessment, value, *, action, refuse) -> list[str] | None:
    """The requirement codes an action closes: gaps of this assessment (or already linked)."""
    if not isinstance(value, list | tuple) or not all(isinstance(c, str) for c in value):
        refuse("gaps", _("Les écarts sont une liste de codes d'exigence."))
        return None
    codes = list(dict.fromkeys(value))
    if not codes:
        refuse("gaps", _("Choisissez au moins un écart que l'action corrige."))
        return None
    allowed = set(gap_codes(assessment))
    if action is not None:
        allowed |= set(action.gaps.values_list("code", flat=True))
    unknown = [code for code in codes if code not in allowed]
    if unknown:
        refuse(
            "gaps",
            _("Pas un écart de cette auto-évaluation : %(codes)s.")
            % {"codes": ", ".join(shown(code) for code in unknown[:10])},
        )
        return None
    return codes


def _may_edit(user: User, action: Action | None, assessment: Assessment) -> None:
    if not user.has_perm("actions.edit_plan", assessment):
        raise PermissionDenied(_("Seul le RSSI de l'établissement modifie le plan d'actions."))
    if action is not None and action.is_carried_over:
        raise PermissionDenied(
            _("Cette action a été reprise dans la campagne suivante : modifiez-la là-bas.")
        )


def _audit(*, user, assessment: Assessment, what: str, action: Action, request=None, **detail):
    record_event(
        actor=user,
        action=AuditAction.ACTION_PLAN_CHANGE,
        establishment=assessment.establishment,
        request=request,
        detail={
            "assessment": assessment.pk,
            "year": assessment.campaign.year,
            "action": action.pk,
            "title": action.title[:120],
            "change": what,
            **detail,
        },
    )


def _set_gaps(action: Action, codes: list[str]) -> None:
    by_code = requirements_by_code(action.assessment)
    action.gaps.set([by_code[code] for code in codes if code in by_code])


def _note(action: Action, *, user: User | None, text: str, kind: str = ActionNote.Kind.NOTE):
    return ActionNote.objects.create(
        action=action,
        kind=kind,
        text=text,
        author=user,
        author_label=str(user)[:254] if user else "",
    )


@transaction.atomic
def create_action(*, assessment: Assessment, user: User, request=None, **data) -> Action:
    """A new planned action (``title`` and ``gaps`` required). Raises ActionRefused."""
    _may_edit(user, None, assessment)
    missing = {
        name: [_("Ce champ est obligatoire.")] for name in ("title", "gaps") if name not in data
    }
    if missing:
        raise ActionRefused(missing)
    cleaned = validate_fields(assessment, data)
    codes = cleaned.pop("gaps")
    action = Action.objects.create(assessment=assessment, created_by=user, **cleaned)
    _set_gaps(action, codes)
    _audit(user=user, assessment=assessment, what="create", action=action, request=request)
    return action


@transaction.atomic
def update_action(*, action: Action, user: User, request=None, **data) -> Action:
    """Change the fields given (status aside: see ``set_status``). Raises ActionRefused."""
    assessment = action.assessment
    _may_edit(user, action, assessment)
    status = data.pop("status", None)
    reason = data.pop("abandon_reason", "")
    cleaned = validate_fields(assessment, data, action=action)
    if status is not None and status != action.status:
        _check_status(status, reason)
    codes = cleaned.pop("gaps", None)
    changed = [name for name, value in cleaned.items() if getattr(action, name) != value]
    if codes is not None and set(codes) != set(action.gaps.values_list("code", flat=True)):
        changed.append("gaps")
    abandoned = status == Action.Status.ABANDONED and action.status != status
    for name, value in cleaned.items():
        setattr(action, name, value)
    if cleaned:
        action.save()
    if codes is not None:
        _set_gaps(action, codes)
    if status is not None and status != action.status:
        _apply_status(action, user, status, reason)
    if changed or abandoned:
        _reagree(action, user, changed=changed, abandoned=abandoned, request=request)
    _audit(
        user=user,
        assessment=assessment,
        what="update",
        action=action,
        request=request,
        fields=sorted([*cleaned, *(["gaps"] if codes is not None else [])]),
    )
    return action


def _reagree(
    action: Action, user: User, *, changed=(), abandoned=False, deleted=False, request=None
):
    """The plans the ARS agreed with this action go back to it, saying what changed."""
    if deleted:
        change = _("action supprimée du plan")
    elif abandoned:
        change = _("action abandonnée (%(reason)s)") % {"reason": action.abandon_reason}
    else:
        names = [str(Action._meta.get_field(name).verbose_name) for name in changed]
        change = _("modifiée (%(fields)s)") % {"fields": ", ".join(names)}
    send_back_for_reagreement(action=action, user=user, change=change, request=request)


def _check_status(status: str, reason: str) -> None:
    if status not in Action.Status.values:
        raise ActionRefused(
            {
                "status": [
                    _("Statut inconnu ; valeurs possibles : %(values)s.")
                    % {"values": ", ".join(Action.Status.values)}
                ]
            }
        )
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if status == Action.Status.ABANDONED and not reason:
        raise ActionRefused({"abandon_reason": [_("Dites pourquoi l'action est abandonnée.")]})
    if len(reason) > REASON_MAX:
        raise ActionRefused(
            {"abandon_reason": [_("La raison dépasse %(max)d caractères.") % {"max": REASON_MAX}]}
        )


def _apply_status(action: Action, user: User, status: str, reason: str) -> None:
    before = action.get_status_display()
    action.status = status
    action.abandon_reason = reason.strip() if status == Action.Status.ABANDONED else ""
    action.save(update_fields=["status", "abandon_reason", "updated_at"])
    text = _("Statut : %(before)s → %(after)s.") % {
        "before": before,
        "after": action.get_status_display(),
    }
    if action.abandon_reason:
        text += " " + _("Raison : %(reason)s") % {"reason": action.abandon_reason}
    _note(action, user=user, text=text, kind=ActionNote.Kind.STATUS)


@transaction.atomic
def set_status(*, action: Action, user: User, status: str, reason: str = "", request=None):
    """Move the action to ``status`` (abandoned needs a reason), logged in its notes."""
    _may_edit(user, action, action.assessment)
    _check_status(status, reason)
    if status != action.status:
        _apply_status(action, user, status, reason)
        if status == Action.Status.ABANDONED:
            _reagree(action, user, abandoned=True, request=request)
        _audit(
            user=user,
            assessment=action.assessment,
            what="status",
            action=action,
            request=request,
            status=status,
        )
    return action


@transaction.atomic
def add_note(*, action: Action, user: User, text: str, request=None) -> ActionNote:
    """A progress note (who, when, what) on the action's log."""
    _may_edit(user, action, action.assessment)
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise ActionRefused({"text": [_("La note est vide.")]})
    if len(text) > NOTE_MAX:
        raise ActionRefused(
            {"text": [_("La note dépasse %(max)d caractères.") % {"max": NOTE_MAX}]}
        )
    return _note(action, user=user, text=text)


@transaction.atomic
def delete_action(*, action: Action, user: User, request=None) -> None:
    """Remove an action entered by mistake (the audit log keeps its title)."""
    _may_edit(user, action, action.assessment)
    _reagree(action, user, deleted=True, request=request)
    _audit(user=user, assessment=action.assessment, what="delete", action=action, request=request)
    action.delete()


# --- suggestions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """An action the portal proposes for one gap, from its recommendation."""

    code: str
    label: str
    title: str
    source_badge: str
    severity: str
    # The public resources that help close the gap.
    resources: tuple = ()


def suggestions(assessment: Assessment) -> list[Suggestion]:
    """One suggested action per gap no action closes yet, in the gaps' documented order."""
    from actions.priorities import gaps_without_action

    found = []
    for gap, requirement in gaps_without_action(assessment):
        title = (requirement.recommendation or "").strip() or _("Corriger : %(label)s") % {
            "label": requirement.label
        }
        found.append(
            Suggestion(
                code=requirement.code,
                label=requirement.label,
                title=title[:TITLE_MAX],
                source_badge=requirement.source_badge,
                severity=gap.severity,
                resources=tuple(requirement.help_resources),
            )
        )
    return found


@transaction.atomic
def create_suggested(
    *, assessment: Assessment, user: User, codes: list[str], request=None
) -> list[Action]:
    """The suggested actions the RSSI ticked, one per gap (nothing else is created)."""
    _may_edit(user, None, assessment)
    offered = {s.code: s for s in suggestions(assessment)}
    chosen = [code for code in dict.fromkeys(codes) if code in offered]
    if not chosen:
        raise ActionRefused({"codes": [_("Cochez au moins une action proposée.")]})
    return [
        create_action(
            assessment=assessment,
            user=user,
            request=request,
            title=offered[code].title,
            gaps=[code],
        )
        for code in chosen
    ]


# --- the order chosen by hand -----------------------------------------------------------------


@transaction.atomic
def move_action(*, action: Action, user: User, offset: int, request=None) -> None:
    """Move the action up (-1) or down (+1) in the plan; the whole order is then stored."""
    from actions.priorities import ordered_actions

    assessment = action.assessment
    _may_edit(user, None, assessment)
    ids = [a.pk for a in ordered_actions(assessment)]
    if action.pk not in ids or offset not in (-1, 1):
        return
    index = ids.index(action.pk)
    target = index + offset
    if not 0 <= target < len(ids):
        return
    ids[index], ids[target] = ids[target], ids[index]
    for rank, pk in enumerate(ids, start=1):
        Action.objects.filter(pk=pk).update(rank=rank)
    PlanOrder.objects.update_or_create(
        assessment=assessment,
        defaults={"reordered_at": timezone.now(), "reordered_by": user},
    )
    _audit(user=user, assessment=assessment, what="reorder", action=action, request=request)


@transaction.atomic
def reset_order(*, assessment: Assessment, user: User, request=None) -> None:
    """Back to the order of the priority rule."""
    _may_edit(user, None, assessment)
    Action.objects.filter(assessment=assessment).update(rank=None)
    PlanOrder.objects.filter(assessment=assessment).delete()
