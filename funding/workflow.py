"""The life of a candidacy to a funding call, and who may move it.

::

    (apply) ──▶ submitted ──ARS──▶ validated ──RSSI / GHT lead──▶ declared ──director──▶ signed
                    │                  ▲                              │                   │
                    └──ARS──▶ refused  └───────director (send back)───┘                  ARS
                                                                                          ▼
                                                       paid ◀──ARS (compliant only)── controlled

Each move happens in the window of its stage (the call's dates: candidacy, instruction,
declaration, control, payment; an unknown date bounds nothing). Outside it, the ARS of the region
may force its own move with a reason, or grant the establishment a calendar exception for one
stage with a reason. The amount the applicant requests is given when it applies or declares
(``clean_requested_amount``: the number rule of ``referential.numbers``, to the cent, never
negative, never above the call's envelope); a payment above it is refused unless the ARS forces
it with a reason. Declaring needs the prerequisites met (they gate eligibility) and every
document the objectives ask for. A refused move raises ``CandidacyError`` with the French reason
and changes nothing; an accepted one writes one ``CandidacyMove`` (the timeline) and one audit
event in the same transaction.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Campaign, Evidence
from assessments.scoring.service import campaign_counts_changed
from audit.models import Action as AuditAction
from audit.services import record_event
from care_portal.formats import format_amount
from establishments.models import GHT, Establishment, User
from funding.models import Candidacy, CandidacyDocument, CandidacyMove, FundingCall
from funding.objectives import candidacy_assessments, candidacy_status
from funding.permissions import may_prepare_for
from referential.numbers import NumberRefused, number_problem, read_number
from referential.targets import headline_targets

Stage = Candidacy.Stage
COMMENT_MAX_LENGTH = 2000

# The call's stage whose window a move to each stage falls in.
WINDOW_OF = {
    Stage.SUBMITTED: "candidacy",
    Stage.VALIDATED: "instruction",
    Stage.REFUSED: "instruction",
    Stage.DECLARED: "declaration",
    Stage.SIGNED: "declaration",
    Stage.CONTROLLED: "control",
    Stage.PAID: "payment",
}
# Stage -> {next stage: the permission the mover needs}.
MOVES = {
    Stage.SUBMITTED: {Stage.VALIDATED: "funding.instruct", Stage.REFUSED: "funding.instruct"},
    Stage.VALIDATED: {Stage.DECLARED: "funding.prepare"},
    Stage.DECLARED: {Stage.SIGNED: "funding.sign", Stage.VALIDATED: "funding.sign"},
    Stage.SIGNED: {Stage.CONTROLLED: "funding.instruct"},
    Stage.CONTROLLED: {Stage.PAID: "funding.instruct"},
}
WHO = {
    "funding.instruct": gettext_lazy("l'ARS de la région"),
    "funding.prepare": gettext_lazy("le RSSI de l'établissement porteur ou le responsable du GHT"),
    "funding.sign": gettext_lazy("la direction de l'entité candidate"),
}
# Digits of an amount requested (model field), two of them after the decimal point.
AMOUNT_DIGITS = 14
AMOUNT_DECIMALS = 2
AMOUNT_LIMIT = Decimal(10) ** (AMOUNT_DIGITS - AMOUNT_DECIMALS)
CENT = Decimal(1).scaleb(-AMOUNT_DECIMALS)
# Stages at which documents may still be attached or removed.
PREPARING = (Stage.SUBMITTED, Stage.VALIDATED)


class CandidacyError(Exception):
    """A refused move or bad input; the message is French and nothing has changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _day(value: str) -> str:
    return date_format(date.fromisoformat(value), "j F Y")


def window_problem(call: FundingCall, stage_code: str, today: date) -> str | None:
    """Why ``today`` is outside the window of one of the call's stages, or None."""
    stage = call.stage(stage_code)
    opens, closes = stage["opens_on"], stage["closes_on"]
    if opens and today < date.fromisoformat(opens):
        return _("L'étape « %(stage)s » de l'appel %(call)s n'ouvre que le %(date)s.") % {
            "stage": stage["label"],
            "call": call.code,
            "date": _day(opens),
        }
    if closes and today > date.fromisoformat(closes):
        return _("L'étape « %(stage)s » de l'appel %(call)s est close depuis le %(date)s.") % {
            "stage": stage["label"],
            "call": call.code,
            "date": _day(closes),
        }
    return None


def allowed_moves(candidacy: Candidacy, user) -> list[str]:
    """The stages this person may move the candidacy to now (the buttons to show)."""
    return [
        to
        for to, permission in MOVES.get(candidacy.stage, {}).items()
        if user.has_perm(permission, candidacy)
    ]


def _comment(comment: str | None) -> str:
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise CandidacyError(
            _("Le commentaire dépasse %(max)s caractères.") % {"max": COMMENT_MAX_LENGTH}
        )
    return comment


def clean_requested_amount(value: Any, call: FundingCall | None) -> Decimal | None:
    """The amount requested from the call, in euros to the cent; None when not given.

    ``value`` is typed text, a JSON number or a Decimal, read by the number rule of
    ``referential.numbers``; without ``call`` the envelope is not checked. Raises CandidacyError
    with the French reason.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None

    def refused(reason: str) -> CandidacyError:
        return CandidacyError(_("Montant demandé refusé : %(reason)s.") % {"reason": reason})

    if isinstance(value, str):
        text = value.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        text = text.replace(",", ".", 1) if text.count(",") == 1 else text
        try:
            read_number(text)
        except NumberRefused as error:
            raise refused(error.reason) from None
        value = Decimal(text)  # plain digits, as read_number made sure
    elif not isinstance(value, Decimal) and (problem := number_problem(value)):
        raise refused(problem)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise refused(_("ce n'est pas un nombre")) from None
    if not amount.is_finite():
        raise refused(_("NaN et l'infini ne sont pas des nombres acceptés"))
    if amount < 0:
        raise refused(_("un montant ne peut pas être négatif"))
    if amount >= AMOUNT_LIMIT:
        raise refused(
            _("un montant s'écrit en moins de %(n)d chiffres avant la virgule")
            % {"n": AMOUNT_DIGITS - AMOUNT_DECIMALS + 1}
        )
    if amount != amount.quantize(CENT):
        raise refused(_("un montant s'écrit au centime près (deux décimales au plus)"))
    if call is not None and call.amount_eur is not None and amount > call.amount_eur:
        raise refused(
            _("il dépasse l'enveloppe de l'appel %(call)s (%(amount)s)")
            % {"call": call.code, "amount": format_amount(call.amount_eur)}
        )
    return amount.quantize(CENT)


def _record(
    candidacy: Candidacy, *, user, from_stage: str, to_stage: str, **fields
) -> CandidacyMove:
    move = CandidacyMove.objects.create(
        candidacy=candidacy,
        from_stage=from_stage,
        to_stage=to_stage,
        actor=user,
        actor_label=user.email,
        **fields,
    )
    record_event(
        actor=user,
        action=AuditAction.FUNDING_CANDIDACY,
        establishment=candidacy.establishment,
        target=f"{candidacy.call.code} — {candidacy.applicant}",
        detail={
            "call": candidacy.call.code,
            "applicant": candidacy.applicant,
            "from": from_stage,
            "to": to_stage,
            "forced": move.forced,
            "exception_for": move.exception_for,
            "amount_eur": move.amount_eur,
            "amount_requested_eur": (
                None
                if candidacy.amount_requested_eur is None
                else str(candidacy.amount_requested_eur)
            ),
            "comment": move.comment,
        },
    )
    return move


# --- Applying --------------------------------------------------------------------------------


def applicant_for(applicant: str, *, region_codes=None) -> tuple[Establishment, GHT | None, str]:
    """The filing establishment, GHT and FINESS EJ of an applicant named by GHT code or FINESS EJ."""
    applicant = (applicant or "").strip()
    ght = GHT.objects.filter(code=applicant).select_related("support_establishment").first()
    if ght is not None:
        if ght.support_establishment is None:
            raise CandidacyError(
                _(
                    "Le GHT %(code)s n'a pas d'établissement support connu : il ne peut pas candidater."
                )
                % {"code": ght.code}
            )
        support = ght.support_establishment
        return support, ght, support.finess_ej
    establishments = Establishment.objects.filter(finess_ej=applicant, is_active=True).order_by(
        "finess"
    )
    if not establishments.exists():
        raise CandidacyError(
            _(
                "Candidat « %(value)s » inconnu : donnez le code d'un GHT ou le FINESS EJ d'une entité juridique."
            )
            % {"value": applicant[:40]}
        )
    in_ght = establishments.filter(ght__isnull=False).select_related("ght").first()
    if in_ght is not None:
        raise CandidacyError(
            _(
                "L'entité juridique %(ej)s est membre du %(ght)s : le GHT candidate pour tous ses "
                "membres, par son établissement support."
            )
            % {"ej": applicant, "ght": in_ght.ght}
        )
    return establishments.first(), None, applicant


def apply(
    call: FundingCall,
    *,
    user: User,
    applicant: str,
    amount_requested: Any = None,
    today: date | None = None,
) -> Candidacy:
    """File the candidacy of a GHT (by its support establishment) or of a legal entity, with the
    amount it requests (optional)."""
    today = today or timezone.localdate()
    establishment, ght, finess_ej = applicant_for(applicant)
    requested = clean_requested_amount(amount_requested, call)
    if not may_prepare_for(user, establishment, ght):
        raise CandidacyError(
            _("Seul %(who)s peut déposer cette candidature.") % {"who": WHO["funding.prepare"]}
        )
    if problem := window_problem(call, "candidacy", today):
        raise CandidacyError(problem)
    try:
        with transaction.atomic():
            candidacy = Candidacy.objects.create(
                call=call,
                establishment=establishment,
                ght=ght,
                finess_ej=finess_ej,
                region_id=establishment.region_id,
                amount_requested_eur=requested,
            )
            _record(candidacy, user=user, from_stage="", to_stage=Stage.SUBMITTED)
            _candidates_changed(call)
    except IntegrityError:
        raise CandidacyError(
            _("%(applicant)s a déjà candidaté à l'appel %(call)s.")
            % {"applicant": ght or finess_ej, "call": call.code}
        ) from None
    return candidacy


# --- Moving ---------------------------------------------------------------------------------


def _candidates_changed(call: FundingCall) -> None:
    """A candidacy changes who the call's ``candidates:<call>`` targets concern (every site it
    covers, and from the first one the candidacies instead of the answers): the counters of the
    campaigns on the call's referential version counting such a target are rebuilt."""
    for campaign in Campaign.objects.filter(referential_id=call.referential_id).select_related(
        "referential"
    ):
        if any(t.call_code == call.code for t in headline_targets(campaign.referential)):
            campaign_counts_changed(campaign)


def advance(
    candidacy: Candidacy,
    *,
    user: User,
    to: str,
    comment: str = "",
    amount_eur: int | None = None,
    amount_requested: Any = None,
    outcome: str = "",
    force: bool = False,
    today: date | None = None,
) -> CandidacyMove:
    """Move the candidacy to stage ``to``; CandidacyError with the reason when refused.

    ``amount_requested`` (declaring only) sets or corrects the amount requested. ``force`` (the
    ARS, with a comment) lets a move happen outside its window or pay above the amount requested.
    """
    today = today or timezone.localdate()
    comment = _comment(comment)
    with transaction.atomic():
        candidacy = (
            Candidacy.objects.select_for_update(of=("self",))
            .select_related("call", "establishment", "ght")
            .get(pk=candidacy.pk)
        )
        current = Stage(candidacy.stage)
        if to not in Stage.values:
            raise CandidacyError(
                _("Étape « %(to)s » inconnue : %(stages)s.")
                % {"to": str(to)[:30], "stages": ", ".join(Stage.values)}
            )
        permission = MOVES.get(current, {}).get(to)
        if permission is None:
            raise CandidacyError(
                _("Une candidature à l'étape « %(from)s » ne peut pas passer à « %(to)s ».")
                % {"from": current.label, "to": Stage(to).label}
            )
        if not user.has_perm(permission, candidacy):
            raise CandidacyError(
                _("Seul %(who)s peut faire passer la candidature à « %(to)s ».")
                % {"who": WHO[permission], "to": Stage(to).label}
            )
        window = WINDOW_OF[Stage(to)]
        forced = False
        if problem := window_problem(candidacy.call, window, today):
            if window in (candidacy.exceptions or {}):
                pass
            elif not force:
                raise CandidacyError(
                    problem + " " + _("L'ARS de la région peut accorder une dérogation motivée.")
                )
            elif not user.has_perm("funding.instruct", candidacy):
                raise CandidacyError(
                    _("Seule l'ARS de la région peut forcer une étape hors calendrier.")
                )
            elif not comment:
                raise CandidacyError(_("Forcer une étape hors calendrier demande un motif."))
            else:
                forced = True
        fields = _checked_fields(
            candidacy,
            to,
            comment=comment,
            amount_eur=amount_eur,
            amount_requested=amount_requested,
            outcome=outcome,
        )
        if _above_request(candidacy, fields):
            if not force:
                raise CandidacyError(
                    _(
                        "Le montant versé (%(paid)s) dépasse le montant demandé (%(requested)s). "
                        "L'ARS de la région peut forcer le versement avec un motif."
                    )
                    % {
                        "paid": format_amount(fields["amount_paid_eur"]),
                        "requested": format_amount(candidacy.amount_requested_eur),
                    }
                )
            if not comment:
                raise CandidacyError(_("Verser plus que le montant demandé demande un motif."))
            forced = True
        for name, value in fields.items():
            setattr(candidacy, name, value)
        candidacy.stage = to
        candidacy.save()
        return _record(
            candidacy,
            user=user,
            from_stage=current,
            to_stage=to,
            comment=comment,
            forced=forced,
            amount_eur=fields.get("amount_paid_eur"),
        )


def _above_request(candidacy: Candidacy, fields: dict) -> bool:
    """Whether the move pays more than the amount the applicant requested."""
    paid = fields.get("amount_paid_eur")
    requested = candidacy.amount_requested_eur
    return paid is not None and requested is not None and paid > requested


def _checked_fields(
    candidacy: Candidacy, to: str, *, comment, amount_eur, amount_requested, outcome
) -> dict:
    """The candidacy's fields the move sets, once its own conditions hold."""
    if (
        amount_requested is not None
        and not (isinstance(amount_requested, str) and not amount_requested.strip())
        and to != Stage.DECLARED
    ):
        raise CandidacyError(
            _("Le montant demandé se donne au dépôt de la candidature ou à la déclaration.")
        )
    if to == Stage.REFUSED and not comment:
        raise CandidacyError(_("Un refus doit être motivé : indiquez la raison."))
    if to == Stage.VALIDATED and candidacy.stage == Stage.DECLARED and not comment:
        raise CandidacyError(_("Un renvoi de la déclaration doit être motivé."))
    if to == Stage.DECLARED:
        status = candidacy_status(candidacy)
        unmet = [p.code for p in status.prerequisites if not p.met]
        if unmet:
            raise CandidacyError(
                _(
                    "Prérequis d'éligibilité non atteints : %(codes)s. La déclaration est impossible."
                )
                % {"codes": ", ".join(unmet)}
            )
        missing = status.documents_missing
        if missing:
            raise CandidacyError(
                _("Pièces à fournir manquantes : %(docs)s.")
                % {"docs": ", ".join(f"{objective} : {doc}" for objective, doc in missing)}
            )
        requested = clean_requested_amount(amount_requested, candidacy.call)
        return {} if requested is None else {"amount_requested_eur": requested}
    if to == Stage.CONTROLLED:
        if outcome not in Candidacy.Outcome.values:
            raise CandidacyError(_("Indiquez le résultat du contrôle : conforme ou non conforme."))
        if outcome == Candidacy.Outcome.NON_COMPLIANT and not comment:
            raise CandidacyError(_("Un contrôle non conforme doit énoncer ses constats."))
        return {"control_outcome": outcome, "findings": comment}
    if to == Stage.PAID:
        if candidacy.control_outcome != Candidacy.Outcome.COMPLIANT:
            raise CandidacyError(_("Seule une candidature contrôlée conforme peut être payée."))
        if isinstance(amount_eur, bool) or not isinstance(amount_eur, int) or amount_eur <= 0:
            raise CandidacyError(_("Indiquez le montant versé, en euros entiers positifs."))
        envelope = candidacy.call.amount_eur
        if envelope is not None and amount_eur > envelope:
            raise CandidacyError(
                _("Le montant dépasse l'enveloppe de l'appel (%(amount)s €).")
                % {"amount": envelope}
            )
        return {"amount_paid_eur": amount_eur}
    return {}


def grant_exception(candidacy: Candidacy, *, user: User, stage: str, reason: str) -> CandidacyMove:
    """The ARS lets the establishment act outside one stage's window, for a stated reason."""
    reason = _comment(reason)
    if not user.has_perm("funding.instruct", candidacy):
        raise CandidacyError(_("Seule l'ARS de la région peut accorder une dérogation."))
    codes = [s["code"] for s in candidacy.call.stages]
    if stage not in codes:
        raise CandidacyError(_("Étape « %(stage)s » inconnue.") % {"stage": str(stage)[:30]})
    if not reason:
        raise CandidacyError(_("Une dérogation de calendrier demande un motif."))
    with transaction.atomic():
        candidacy = Candidacy.objects.select_for_update().get(pk=candidacy.pk)
        candidacy.exceptions = {**(candidacy.exceptions or {}), stage: reason}
        candidacy.save(update_fields=["exceptions", "updated_at"])
        return _record(
            candidacy,
            user=user,
            from_stage=candidacy.stage,
            to_stage=candidacy.stage,
            comment=reason,
            exception_for=stage,
        )


# --- Documents ------------------------------------------------------------------------------


def attach_document(
    candidacy: Candidacy, *, user: User, objective: str, document: str, evidence_id
) -> CandidacyDocument:
    """Give an evidence of the applicant's assessments as one document an objective asks for."""
    _check_preparing(candidacy, user)
    slot = candidacy.call.document(objective, document) or _prerequisite_document(
        candidacy, objective, document
    )
    if slot is None:
        raise CandidacyError(
            _("L'objectif %(objective)s ne demande pas de pièce « %(document)s ».")
            % {"objective": str(objective)[:20], "document": str(document)[:40]}
        )
    evidence = (
        Evidence.objects.for_user(user)
        .filter(pk=evidence_id if str(evidence_id).isdigit() else None)
        .filter(assessment__in=candidacy_assessments(candidacy))
        .first()
    )
    if evidence is None:
        raise CandidacyError(
            _("Preuve introuvable parmi celles des auto-évaluations de la candidature.")
        )
    row, _created = CandidacyDocument.objects.get_or_create(
        candidacy=candidacy,
        objective=objective,
        document=document,
        evidence=evidence,
        defaults={"attached_by": user},
    )
    return row


def detach_document(candidacy: Candidacy, *, user: User, document_id) -> None:
    _check_preparing(candidacy, user)
    deleted, _rows = CandidacyDocument.objects.filter(
        candidacy=candidacy, pk=document_id if str(document_id).isdigit() else None
    ).delete()
    if not deleted:
        raise CandidacyError(_("Pièce introuvable dans cette candidature."))


def _prerequisite_document(candidacy: Candidacy, code: str, document: str) -> dict | None:
    for item in candidacy.call.prerequisites:
        if item["code"] == code:
            return next((d for d in item["documents"] if d["code"] == document), None)
    return None


def _check_preparing(candidacy: Candidacy, user: User) -> None:
    if not user.has_perm("funding.prepare", candidacy):
        raise CandidacyError(
            _("Seul %(who)s peut joindre les pièces.") % {"who": WHO["funding.prepare"]}
        )
    if candidacy.stage not in PREPARING:
        raise CandidacyError(
            _("Les pièces ne changent plus une fois les objectifs déclarés (étape « %(stage)s »).")
            % {"stage": Stage(candidacy.stage).label}
        )
