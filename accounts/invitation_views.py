"""The ARS's page to invite a person of its region, and the one-time page to set a password."""

from __future__ import annotations

from typing import cast

import rules
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.invitations import INVITABLE_ROLES, invite_person
from establishments.models import Region, User


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Adresse électronique professionnelle"),
        max_length=254,
        error_messages={
            "required": gettext_lazy("Indiquez l’adresse électronique de la personne."),
            "invalid": gettext_lazy("Saisissez une adresse électronique valide, par exemple prenom.nom@ch-exemple.fr."),
        },
    )  # fmt: skip
    first_name = forms.CharField(
        label=gettext_lazy("Prénom"),
        max_length=150,
        error_messages={"required": gettext_lazy("Indiquez le prénom de la personne.")},
    )
    last_name = forms.CharField(
        label=gettext_lazy("Nom"),
        max_length=150,
        error_messages={"required": gettext_lazy("Indiquez le nom de la personne.")},
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Rôle"),
        choices=[(role.value, role.label) for role in INVITABLE_ROLES],
        error_messages={
            "required": gettext_lazy("Choisissez le rôle à donner."),
            "invalid_choice": gettext_lazy("Une ARS peut donner les rôles RSSI, direction d’établissement ou responsable de GHT, et aucun autre."),
        },
    )  # fmt: skip
    scope = forms.CharField(
        label=gettext_lazy("Établissement ou GHT"),
        help_text=gettext_lazy(
            "Le numéro FINESS ET de l’établissement (RSSI, direction) ou le code du GHT "
            "(responsable de GHT), dans votre région."
        ),
        max_length=50,
        error_messages={"required": gettext_lazy("Indiquez l’établissement ou le GHT.")},
    )


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region.objects.for_user(request.user), code=code)
    if not rules.has_perm("accounts.invite_people", request.user, region):
        raise PermissionDenied
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invite_person(
                actor=cast(User, request.user), region=region, **form.cleaned_data
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field, errors)
            else:
                form.add_error(None, error)
        else:
            if invitation.link_sent:
                text = _(
                    "Compte de %(email)s créé avec le rôle %(role)s (%(scope)s) : un lien pour "
                    "choisir un mot de passe lui est envoyé par e-mail."
                )
            else:
                text = _(
                    "Rôle %(role)s (%(scope)s) donné à %(email)s, qui a déjà un compte : la "
                    "personne en est informée par e-mail."
                )
            messages.success(
                request,
                text
                % {
                    "email": invitation.user.email,
                    "role": invitation.assignment.get_role_display(),
                    "scope": invitation.assignment.scope_label,
                },
            )
            return redirect("accounts:invite", code=region.code)
    return render(request, "accounts/invite.html", {"form": form, "region": region})


@method_decorator(login_not_required, name="dispatch")
class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The one-time link of an invitation: choose a password, then sign in."""

    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("login")
    reset_url_token = "choisir"  # noqa: S105 - the path segment that stands for the token

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request, _("Mot de passe enregistré : connectez-vous avec votre adresse.")
        )
        return response


set_password = SetPasswordView.as_view()
