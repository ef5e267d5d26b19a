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


class IdentityForm(forms.Form):
    """Re-authentication before a change to the second factor."""

    confirmation = forms.CharField(
        label=_("Mot de passe ou code actuel"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={
            "required": _(
                "Confirmez qu’il s’agit bien de vous : saisissez votre mot de passe ou un code "
                "de votre application d’authentification."
            )
        },
    )

    def __init__(self, *args, has_device: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_device:
            self.fields["confirmation"].label = _("Mot de passe")
            self.fields["confirmation"].error_messages["required"] = _(
                "Confirmez qu’il s’agit bien de vous : saisissez votre mot de passe."
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
