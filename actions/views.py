"""The action plan pages of an assessment: the plan, an action's form, suggestions, the ARS
agreement, the XLSX export. Every object is fetched through the person's scope (404 outside);
writes are the services' (403 for a role that only reads)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actions import agreement, services
from actions.carry_over import reappeared_gaps
from actions.exports import plan_xlsx
from actions.forms import ActionForm, DecisionForm, NoteForm
from actions.models import Action, TargetPlan
from actions.priorities import gaps_without_action, ordered_actions, priority_rule, reordered
from assessments.models import Assessment
from assessments.views.scoped import assessment_for


def _action_for(assessment: Assessment, action_id: int) -> Action:
    return get_object_or_404(Action, pk=action_id, assessment=assessment)


def _require(request: HttpRequest, perm: str, assessment: Assessment) -> None:
    if not request.user.has_perm(perm, assessment):
        raise PermissionDenied(_("Votre rôle lit ce plan d'actions sans le modifier."))


def _refused(request: HttpRequest, refused: services.ActionRefused) -> None:
    for field_errors in refused.errors.values():
        for message in field_errors:
            messages.error(request, message)


@require_GET
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    agreed = agreement.agreed_action_ids(assessment)
    actions = ordered_actions(assessment)
    for action in actions:
        action.agreed_by_ars = action.pk in agreed
        action.frozen = action.is_carried_over
    return render(
        request,
        "actions/plan.html",
        {
            "page_title": _("Plan d'actions — %(name)s")
            % {"name": assessment.establishment.display_name},
            "assessment": assessment,
            "actions": actions,
            "open_gaps": gaps_without_action(assessment),
            "reordered": reordered(assessment),
            "rule": priority_rule(assessment),
            "reappeared": reappeared_gaps(assessment),
            "targets": agreement.target_states(assessment),
            "may_edit": request.user.has_perm("actions.edit_plan", assessment),
            "note_form": NoteForm(),
        },
    )


def _form_page(request, assessment, form, action=None, status=200):
    return render(
        request,
        "actions/action_form.html",
        {
            "page_title": _("Modifier l'action") if action else _("Nouvelle action"),
            "assessment": assessment,
            "action": action,
            "form": form,
        },
        status=status,
    )


def _apply_errors(form, refused: services.ActionRefused) -> None:
    for field, field_errors in refused.errors.items():
        for message in field_errors:
            form.add_error(field if field in form.fields else None, message)


@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    _require(request, "actions.edit_plan", assessment)
    initial = {"gaps": request.GET.getlist("gap")}
    if request.method == "GET":
        return _form_page(request, assessment, ActionForm(assessment=assessment, initial=initial))
    form = ActionForm(request.POST, assessment=assessment)
    if form.is_valid():
        try:
            services.create_action(
                assessment=assessment, user=request.user, request=request, **form.cleaned_data
            )
        except services.ActionRefused as refused:
            _apply_errors(form, refused)
        else:
            messages.success(request, _("Action ajoutée au plan."))
            return redirect("actions:plan", pk=assessment.pk)
    return _form_page(request, assessment, form, status=400)


@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    action = _action_for(assessment, action_id)
    _require(request, "actions.edit_plan", assessment)
    if request.method == "GET":
        initial = {
            "title": action.title,
            "gaps": [r.code for r in action.gaps.all()],
            "owner_name": action.owner_name,
            "owner_account": action.owner_account_id,
            "due_on": action.due_on,
            "cost_investment": action.cost_investment,
            "cost_operating": action.cost_operating,
            "funding": action.funding,
            "status": action.status,
            "abandon_reason": action.abandon_reason,
        }
        form = ActionForm(assessment=assessment, action=action, initial=initial)
        return _form_page(request, assessment, form, action)
    form = ActionForm(request.POST, assessment=assessment, action=action)
    if form.is_valid():
        try:
            services.update_action(
                action=action, user=request.user, request=request, **form.cleaned_data
            )
        except services.ActionRefused as refused:
            _apply_errors(form, refused)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            messages.success(request, _("Action enregistrée."))
            return redirect("actions:plan", pk=assessment.pk)
    return _form_page(request, assessment, form, action, status=400)


def _post_on_action(request, pk, action_id, write) -> HttpResponse:
    assessment = assessment_for(request, pk)
    action = _action_for(assessment, action_id)
    _require(request, "actions.edit_plan", assessment)
    try:
        message = write(assessment, action)
    except services.ActionRefused as refused:
        _refused(request, refused)
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    else:
        if message:
            messages.success(request, message)
    return redirect(f"{assessment_url(assessment)}#action-{action.pk}")


def assessment_url(assessment: Assessment) -> str:
    return reverse("actions:plan", args=[assessment.pk])


@require_POST
def action_note(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    def write(assessment, action):
        services.add_note(
            action=action, user=request.user, text=request.POST.get("text", ""), request=request
        )
        return _("Note ajoutée.")

    return _post_on_action(request, pk, action_id, write)


@require_POST
def action_delete(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    def write(assessment, action):
        services.delete_action(action=action, user=request.user, request=request)
        return _("Action supprimée du plan.")

    return _post_on_action(request, pk, action_id, write)


@require_POST
def action_move(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    def write(assessment, action):
        offset = -1 if request.POST.get("direction") == "up" else 1
        services.move_action(action=action, user=request.user, offset=offset, request=request)
        return None

    return _post_on_action(request, pk, action_id, write)


@require_POST
def order_reset(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    _require(request, "actions.edit_plan", assessment)
    services.reset_order(assessment=assessment, user=request.user, request=request)
    messages.success(request, _("Le plan suit à nouveau la règle de priorité."))
    return redirect("actions:plan", pk=assessment.pk)


@require_http_methods(["GET", "POST"])
def suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    _require(request, "actions.edit_plan", assessment)
    status = 200
    if request.method == "POST":
        try:
            created = services.create_suggested(
                assessment=assessment,
                user=request.user,
                codes=request.POST.getlist("codes"),
                request=request,
            )
        except services.ActionRefused as refused:
            _refused(request, refused)
            status = 400
        else:
            messages.success(
                request, _("%(n)d action(s) ajoutée(s) au plan.") % {"n": len(created)}
            )
            return redirect("actions:plan", pk=assessment.pk)
    return render(
        request,
        "actions/suggestions.html",
        {
            "page_title": _("Actions proposées — %(name)s")
            % {"name": assessment.establishment.display_name},
            "assessment": assessment,
            "suggestions": services.suggestions(assessment),
        },
        status=status,
    )


@require_GET
def export(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    return plan_xlsx(assessment)


# --- the ARS agreement --------------------------------------------------------------------------


@require_GET
def agreement_page(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    return render(
        request,
        "actions/agreement.html",
        {
            "page_title": _("Plans pour les cibles CaRE — %(name)s")
            % {"name": assessment.establishment.display_name},
            "assessment": assessment,
            "targets": agreement.target_states(assessment),
            "may_file": request.user.has_perm("actions.file_target_plan", assessment),
            "may_decide": request.user.has_perm("actions.decide_target_plan", assessment),
            "decision_form": DecisionForm(),
            "filed": TargetPlan.Status.FILED,
            "awaiting": agreement.AWAITING_ARS,
        },
    )


@require_POST
def target_plan_file(request: HttpRequest, pk: int, target: str) -> HttpResponse:
    assessment = assessment_for(request, pk)
    _require(request, "actions.file_target_plan", assessment)
    try:
        agreement.file_target_plan(
            assessment=assessment,
            user=request.user,
            target=target,
            comment=request.POST.get("comment", ""),
            request=request,
        )
    except agreement.AgreementError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Plan déposé auprès de l'ARS."))
    return redirect("actions:agreement", pk=assessment.pk)


@require_POST
def target_plan_decide(request: HttpRequest, pk: int, target: str) -> HttpResponse:
    assessment = assessment_for(request, pk)
    _require(request, "actions.decide_target_plan", assessment)
    plan = get_object_or_404(TargetPlan, assessment=assessment, target=target)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez d'agréer le plan ou de demander des modifications."))
        return redirect("actions:agreement", pk=assessment.pk)
    decide = (
        agreement.agree_target_plan
        if form.cleaned_data["decision"] == "agree"
        else agreement.ask_plan_changes
    )
    try:
        decide(plan=plan, user=request.user, comment=form.cleaned_data["comment"], request=request)
    except agreement.AgreementError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Décision enregistrée."))
    return redirect("actions:agreement", pk=assessment.pk)
