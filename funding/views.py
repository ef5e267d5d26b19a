"""Pages of the funding calls: the calls, one call, a candidacy and its moves, the GHT's shares.

Every object is fetched through the person's scope (404 outside it); every change goes through
`funding.workflow` (or `funding.shares`), which decides and explains refusals.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.models import Evidence
from establishments.models import GHT, Establishment, GHTMember, Role
from establishments.permissions import holds_role, is_national
from funding.models import Candidacy, FundingCall
from funding.objectives import candidacy_assessments, candidacy_status
from funding.permissions import may_prepare_for
from funding.shares import SharesError, set_activity_shares
from funding.workflow import (
    CandidacyError,
    advance,
    allowed_moves,
    apply,
    attach_document,
    detach_document,
    grant_exception,
)

Stage = Candidacy.Stage


def _call(code: str) -> FundingCall:
    return get_object_or_404(FundingCall.objects.current().select_related("referential"), code=code)


def _candidacy(request: HttpRequest, pk: int) -> Candidacy:
    return get_object_or_404(
        Candidacy.objects.for_user(request.user).select_related(
            "call", "establishment", "ght", "region"
        ),
        pk=pk,
    )


def applicants_for(user) -> list[tuple[str, str]]:
    """(value, label) of the applicants this person may file for: their GHTs, their entities."""
    choices = []
    ids = [a.establishment_id for a in user.assignments if a.role == Role.RSSI]
    led = [a.ght_id for a in user.assignments if a.role == Role.GHT]
    ghts = (
        GHT.objects.filter(Q(pk__in=led) | Q(support_establishment_id__in=ids))
        .select_related("support_establishment")
        .order_by("code")
    )
    for ght in ghts:
        if ght.support_establishment and may_prepare_for(user, ght.support_establishment, ght):
            choices.append((ght.code, str(ght)))
    for establishment in Establishment.objects.filter(pk__in=ids, ght__isnull=True):
        label = _("Entité juridique %(ej)s (%(name)s)") % {
            "ej": establishment.finess_ej,
            "name": establishment.name,
        }
        if (establishment.finess_ej, label) not in choices:
            choices.append((establishment.finess_ej, label))
    return choices


@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    calls = FundingCall.objects.current().select_related("referential")
    return render(
        request,
        "funding/call_list.html",
        {"page_title": _("Appels à financement CaRE"), "calls": calls},
    )


@require_GET
def call_detail(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(code)
    candidacies = (
        Candidacy.objects.for_user(request.user)
        .filter(call=call)
        .select_related("establishment", "ght")
        .order_by("ght__code", "finess_ej")
    )
    return render(
        request,
        "funding/call_detail.html",
        {
            "page_title": call.title,
            "call": call,
            "candidacies": candidacies,
            "applicants": applicants_for(request.user),
            # The steering pages of the call: the ARS's regions, every region for national.
            "steering_regions": [
                a.region_id for a in request.user.assignments if a.role == Role.ARS
            ],
            "steering_national": is_national(request.user),
        },
    )


@require_POST
def apply_view(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(code)
    try:
        candidacy = apply(
            call,
            user=request.user,
            applicant=request.POST.get("applicant", ""),
            amount_requested=request.POST.get("amount_requested_eur", ""),
        )
    except CandidacyError as error:
        messages.error(request, error.message)
        return redirect("funding:call", code=call.code)
    messages.success(request, _("Candidature déposée."))
    return redirect("funding:candidacy", pk=candidacy.pk)


@require_GET
def candidacy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    candidacy = _candidacy(request, pk)
    user = request.user
    status = candidacy_status(candidacy)
    may_prepare = user.has_perm("funding.prepare", candidacy) and candidacy.stage in (
        Stage.SUBMITTED,
        Stage.VALIDATED,
    )
    evidence = (
        Evidence.objects.for_user(user)
        .filter(assessment__in=candidacy_assessments(candidacy))
        .select_related("requirement", "assessment__establishment")
        if may_prepare
        else Evidence.objects.none()
    )
    return render(
        request,
        "funding/candidacy_detail.html",
        {
            "page_title": str(candidacy),
            "candidacy": candidacy,
            "call": candidacy.call,
            "status": status,
            "moves": candidacy.moves.select_related("actor"),
            "documents": candidacy.documents.select_related("evidence"),
            "allowed": [(to, Stage(to).label) for to in allowed_moves(candidacy, user)],
            "is_ars": user.has_perm("funding.instruct", candidacy),
            "may_prepare": may_prepare,
            "evidence": evidence,
            "outcomes": Candidacy.Outcome.choices,
            "Stage": Stage,
        },
    )


def _amount(text: str) -> int | None:
    text = (text or "").replace(" ", "").replace("\u202f", "")
    return int(text) if text.isdigit() else (None if not text else -1)


@require_POST
def candidacy_move(request: HttpRequest, pk: int) -> HttpResponse:
    candidacy = _candidacy(request, pk)
    data = request.POST
    try:
        advance(
            candidacy,
            user=request.user,
            to=data.get("to", ""),
            comment=data.get("comment", ""),
            amount_eur=_amount(data.get("amount_eur", "")),
            amount_requested=data.get("amount_requested_eur", ""),
            outcome=data.get("outcome", ""),
            force=data.get("force") == "on",
        )
    except CandidacyError as error:
        messages.error(request, error.message)
    else:
        candidacy.refresh_from_db()
        messages.success(
            request,
            _("Candidature passée à l'étape « %(stage)s ».")
            % {"stage": Stage(candidacy.stage).label},
        )
    return redirect("funding:candidacy", pk=candidacy.pk)


@require_POST
def candidacy_exception(request: HttpRequest, pk: int) -> HttpResponse:
    candidacy = _candidacy(request, pk)
    try:
        grant_exception(
            candidacy,
            user=request.user,
            stage=request.POST.get("stage", ""),
            reason=request.POST.get("reason", ""),
        )
    except CandidacyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Dérogation de calendrier accordée."))
    return redirect("funding:candidacy", pk=candidacy.pk)


@require_POST
def candidacy_documents(request: HttpRequest, pk: int) -> HttpResponse:
    candidacy = _candidacy(request, pk)
    data = request.POST
    try:
        if data.get("remove"):
            detach_document(candidacy, user=request.user, document_id=data["remove"])
            messages.success(request, _("Pièce retirée."))
        else:
            objective, _sep, document = data.get("slot", "").partition("/")
            attach_document(
                candidacy,
                user=request.user,
                objective=objective,
                document=document,
                evidence_id=data.get("evidence", ""),
            )
            messages.success(
                request, _("Pièce jointe à l'objectif %(code)s.") % {"code": objective}
            )
    except CandidacyError as error:
        messages.error(request, error.message)
    return redirect("funding:candidacy", pk=candidacy.pk)


@require_http_methods(["GET", "POST"])
def ght_shares(request: HttpRequest, code: str) -> HttpResponse:
    ght = get_object_or_404(GHT.objects.for_user(request.user), code=code)
    may_edit = holds_role(request.user, Role.GHT, ght_id=ght.pk)
    members = GHTMember.objects.filter(ght=ght).order_by("finess_ej")
    errors: list[str] = []
    if request.method == "POST":
        values = {
            key.removeprefix("share_"): value
            for key, value in request.POST.items()
            if key.startswith("share_")
        }
        try:
            set_activity_shares(ght, user=request.user, values=values)
        except SharesError as error:
            errors = error.messages
        else:
            messages.success(request, _("Parts d'activité enregistrées."))
            return redirect("funding:ght_shares", code=ght.code)
    names = {}
    for establishment in Establishment.objects.filter(ght=ght).order_by("name"):
        names.setdefault(establishment.finess_ej, establishment.name)
    rows = [(member, names.get(member.finess_ej, "")) for member in members]
    return render(
        request,
        "funding/ght_shares.html",
        {
            "page_title": _("Parts d'activité — %(ght)s") % {"ght": ght.name},
            "ght": ght,
            "rows": rows,
            "may_edit": may_edit,
            "errors": errors,
            "values": request.POST if errors else None,
        },
        status=400 if errors else 200,
    )
