from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code de vérification"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
        error_messages={"required": _("Saisissez le code affiché par votre application.")},
    )


class SignInForm(AuthenticationForm):
    """The sign-in form, with a message that reads well in French for an e-mail login."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Adresse électronique ou mot de passe incorrect. Vérifiez votre saisie : le mot de "
            "passe distingue les majuscules des minuscules."
        ),
        "inactive": _("Ce compte est désactivé : contactez l’administrateur du portail."),
    }
