"""How each answer type is typed into the form and shown back.

An :class:`AnswerInput` turns one requirement into one or more form fields (its *parts*: two
amounts, a name and an e-mail, a date and a "never" box…), reads the typed parts back into the
answer value stored in JSON, and writes an answer value as readable French text. Checking the
value itself (negative amounts, future dates, percentages above 100…) is the rule's job
(``referential.rules``); the parts only parse what was typed, with messages naming the box.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care_portal.formats import format_amount, format_date, format_decimal, format_number
from referential.models import AnswerType, Headline, Requirement
from referential.numbers import NumberRefused, read_number, shown
from referential.rules import MAX_AMOUNT, MAX_NAME_LENGTH, NOT_APPLICABLE_VALUE, get_rule

# The longest reason of "not applicable" (checked again when saving, see assessments.answers).
MAX_NA_REASON_LENGTH = 2000

NA = NOT_APPLICABLE_VALUE
PART_SEPARATOR = "__"
_SPACES = re.compile(r"[\s\u00a0\u202f]")


def part_name(code: str, part: str = "") -> str:
    """The form field name of one part of a requirement's answer."""
    return f"{code}{PART_SEPARATOR}{part}" if part else code


# --- parsing typed text -----------------------------------------------------------------------


def parse_number(text: str) -> int | float | None:
    """A number typed the French way ("1 250 000,50", "12 %", "3 000 €"); None when empty.

    Raises NumberRefused (``referential.numbers``) when it is not a number written in digits.
    Whole numbers come back as int.
    """
    text = _SPACES.sub("", text or "").rstrip("€%").replace(",", ".")
    if not text:
        return None
    return read_number(text)


def _refused(kind: str, example: str, text: str, refused: NumberRefused) -> ValidationError:
    return ValidationError(
        _("« %(value)s » n'est pas %(kind)s : %(reason)s (par exemple %(example)s).")
        % {"value": shown(text), "kind": kind, "reason": refused.reason, "example": example}
    )


class AmountField(forms.CharField):
    """An amount in euros, typed freely ("1 250 000", "1250000,50 €")."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 40})
        )
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return parse_number(text)
        except NumberRefused as refused:
            raise _refused(_("un montant"), "1 250 000", text, refused) from None


class PercentField(forms.CharField):
    """A percentage from 0 to 100, typed freely ("85", "92,5 %")."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 20})
        )
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return parse_number(text)
        except NumberRefused as refused:
            raise _refused(_("un pourcentage"), "85", text, refused) from None


class AnswerDateField(forms.CharField):
    """A date: the browser's date picker sends AAAA-MM-JJ; JJ/MM/AAAA typed by hand works too."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
            try:
                return datetime.strptime(text, pattern).date().isoformat()  # noqa: DTZ007
            except ValueError:
                continue
        raise ValidationError(
            _("« %(value)s » n'est pas une date : saisissez-la au format JJ/MM/AAAA.")
            % {"value": text}
        )


class AnswerChoiceField(forms.ChoiceField):
    """Radio buttons; an unknown value is passed on so that the rule explains why it is refused."""

    widget = forms.RadioSelect

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def validate(self, value):
        """Nothing here: the requirement's rule checks the value with a clearer message."""


def _flag(label: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


# --- answer inputs ----------------------------------------------------------------------------


class AnswerInput:
    """The form parts of one requirement and the conversions between them and its answer."""

    answer_type: str = ""
    na_label = gettext_lazy("Non applicable")

    def __init__(self, requirement: Requirement):
        self.requirement = requirement
        self.code = requirement.code
        self.rule = get_rule(requirement.rule)
        self.na_allowed = requirement.not_applicable_allowed

    # Subclasses give their value parts; the "not applicable" box is added here.
    def value_parts(self) -> dict[str, forms.Field]:
        raise NotImplementedError

    def parts(self) -> dict[str, forms.Field]:
        parts = {part_name(self.code, key): field for key, field in self.value_parts().items()}
        if self.na_allowed and not self.na_in_choices:
            parts[part_name(self.code, "na")] = _flag(str(self.na_label))
        if self.na_allowed:
            parts[self.reason_part] = self.reason_field()
        return parts

    @property
    def reason_part(self) -> str:
        """The box of the reason given with "not applicable"."""
        return part_name(self.code, "na_reason")

    def reason_field(self) -> forms.CharField:
        required = self.requirement.reason_required_for_na
        return forms.CharField(
            label=_("Motif de « non applicable »"),
            help_text=(
                _(
                    "Obligatoire si vous répondez « non applicable » : la direction et l'ARS le liront."
                )
                if required
                else _("Facultatif : la direction et l'ARS le liront.")
            ),
            required=False,
            strip=True,
            max_length=MAX_NA_REASON_LENGTH,
            widget=forms.Textarea(attrs={"rows": 2, "data-na-reason": ""}),
        )

    def reason(self, cleaned: dict[str, Any]) -> str | None:
        """The reason typed, when the form offers one (None otherwise)."""
        if not self.na_allowed:
            return None
        return cleaned.get(self.reason_part) or ""

    na_in_choices = False

    @property
    def main_part(self) -> str:
        return next(iter(self.parts()))

    def initial(self, value: Any) -> dict[str, Any]:
        """Form initial data for a stored answer."""
        if value == NA and not self.na_in_choices:
            return {part_name(self.code, "na"): True}
        return {part_name(self.code, key): part for key, part in self.value_initial(value).items()}

    def value_initial(self, value: Any) -> dict[str, Any]:
        raise NotImplementedError

    def answer(self, cleaned: dict[str, Any]) -> Any:
        """The answer value from the cleaned parts (not yet checked by the rule).

        Raises ``ValidationError`` as a dict {part name: message} for a contradiction.
        """
        if not self.na_in_choices and cleaned.get(part_name(self.code, "na")):
            typed = [
                key
                for key in self.value_parts()
                if cleaned.get(part_name(self.code, key)) not in (None, "", False)
            ]
            if typed:
                raise ValidationError(
                    {
                        part_name(self.code, "na"): _(
                            "Vous avez coché « non applicable » et saisi une réponse : "
                            "décochez la case ou effacez la réponse."
                        )
                    }
                )
            return NA
        return self.value_answer(
            {key: cleaned.get(part_name(self.code, key)) for key in self.value_parts()}
        )

    def value_answer(self, parts: dict[str, Any]) -> Any:
        raise NotImplementedError

    def display(self, value: Any) -> str:
        """The answer as French text, for read-only pages and conflicts."""
        if value is None:
            return _("Non renseigné")
        if value == NA:
            return _("Non applicable")
        return self.display_value(value)

    def display_value(self, value: Any) -> str:
        return str(value)

    def html_value(self, value: Any) -> str:
        """How the value appears in the HTML of its main part (for conditions)."""
        return str(value)


class ChoiceInput(AnswerInput):
    """One radio group; "not applicable" is one of the radios where it is allowed."""

    na_in_choices = True
    inline = True

    def choices(self) -> list[tuple[str, Any, str]]:
        """(html value, answer value, label) of each radio."""
        raise NotImplementedError

    def all_choices(self) -> list[tuple[str, Any, str]]:
        choices = list(self.choices())
        if self.na_allowed:
            choices.append((NA, NA, str(self.na_label)))
        return choices

    def value_parts(self) -> dict[str, forms.Field]:
        field = AnswerChoiceField(choices=[(html, label) for html, _v, label in self.all_choices()])
        field.widget.inline = self.inline
        return {"": field}

    def value_initial(self, value: Any) -> dict[str, Any]:
        return {"": self.html_value(value) if value is not None else None}

    def value_answer(self, parts: dict[str, Any]) -> Any:
        html = parts[""]
        if not html:
            return None
        for choice_html, value, _label in self.all_choices():
            if html == choice_html:
                return value
        # NA where not allowed, or a forged value: the rule refuses it with its message.
        return html

    def display_value(self, value: Any) -> str:
        for _html, choice, label in self.all_choices():
            if choice == value and type(choice) is type(value):
                return label
        return str(value)

    def html_value(self, value: Any) -> str:
        for html, choice, _label in self.all_choices():
            if choice == value and type(choice) is type(value):
                return html
        return str(value)


class BooleanInput(ChoiceInput):
    answer_type = AnswerType.BOOLEAN

    def choices(self):
        return [("true", True, _("Oui")), ("false", False, _("Non"))]


class TristateInput(ChoiceInput):
    answer_type = AnswerType.TRISTATE

    def choices(self):
        return [
            ("yes", "yes", _("Oui")),
            ("partial", "partial", _("Partiellement")),
            ("no", "no", _("Non")),
        ]


class LevelInput(ChoiceInput):
    answer_type = AnswerType.LEVEL
    inline = False

    def choices(self):
        labels = self.rule.params.get("labels") or {}
        return [
            (key, key, labels.get(key) or _("Niveau %(key)s") % {"key": key})
            for key in self.rule.params.get("choices", {})
        ]


class RatioAtLeastInput(AnswerInput):
    """Two amounts; for the budget, digital and cyber spending over the total operating budget."""

    answer_type = AnswerType.RATIO_AT_LEAST

    @property
    def is_budget(self) -> bool:
        return self.requirement.headline == Headline.BUDGET or "BUDGET" in self.code

    def labels(self) -> tuple[str, str]:
        if self.is_budget and self.requirement.is_ej_level:
            # The plan's ratio: the same perimeter on both sides, for the legal entity.
            return (
                _(
                    "Dépenses numériques et cybersécurité de l'entité juridique, exploitation et "
                    "investissement, du dernier exercice clos (€)"
                ),
                _(
                    "Budget global de l'entité juridique, exploitation et investissement, du "
                    "dernier exercice clos (€)"
                ),
            )
        if self.is_budget:
            return (
                _("Dépenses numériques et cybersécurité du dernier exercice (€)"),
                _("Budget total d'exploitation du dernier exercice (€)"),
            )
        return _("Montant mesuré (€)"), _("Montant total de référence (€)")

    def value_parts(self):
        numerator, denominator = self.labels()
        return {
            "numerator": AmountField(label=numerator),
            "denominator": AmountField(label=denominator),
        }

    def value_initial(self, value):
        if not isinstance(value, dict):
            return {}
        return {
            key: format_amount(value[key], euro=False)
            for key in ("numerator", "denominator")
            if key in value
        }

    def value_answer(self, parts):
        numerator, denominator = parts["numerator"], parts["denominator"]
        if numerator is None and denominator is None:
            return None
        errors = {}
        for key, amount in (("numerator", numerator), ("denominator", denominator)):
            label = self.labels()[0 if key == "numerator" else 1]
            name = part_name(self.code, key)
            if amount is None:
                errors[name] = _("Saisissez aussi ce montant : le ratio se calcule sur les deux.")
            elif amount < 0:
                errors[name] = _("Un montant ne peut pas être négatif.")
            elif amount > MAX_AMOUNT:
                errors[name] = _(
                    "Ce montant est invraisemblable (plus de %(max)s €) : vérifiez le nombre de chiffres."
                ) % {"max": format_amount(MAX_AMOUNT, euro=False)}
            elif key == "denominator" and amount == 0:
                errors[name] = _("%(label)s ne peut pas être nul.") % {
                    "label": label.removesuffix(" (€)")
                }
        if not errors and numerator > denominator:
            errors[part_name(self.code, "numerator")] = _(
                "Ce montant (%(numerator)s €) dépasse le total (%(denominator)s €) : vérifiez les deux montants."
            ) % {
                "numerator": format_amount(numerator, euro=False),
                "denominator": format_amount(denominator, euro=False),
            }
        if errors:
            raise ValidationError(errors)
        return {"numerator": numerator, "denominator": denominator}

    def ratio(self, value: Any) -> float | None:
        try:
            return value["numerator"] / value["denominator"]
        except (KeyError, TypeError, ZeroDivisionError):
            return None

    def display_value(self, value):
        if not isinstance(value, dict):
            return str(value)
        numerator, denominator = self.labels()
        ratio = self.ratio(value)
        text = _("%(nl)s : %(n)s € ; %(dl)s : %(d)s €") % {
            "nl": numerator.removesuffix(" (€)"),
            "n": format_amount(value.get("numerator", 0), euro=False),
            "dl": denominator.removesuffix(" (€)"),
            "d": format_amount(value.get("denominator", 0), euro=False),
        }
        if ratio is not None:
            text += " — " + _("ratio %(ratio)s %%") % {
                "ratio": format_number(100 * ratio, decimals=2)
            }
        return text


class PercentAtLeastInput(AnswerInput):
    answer_type = AnswerType.PERCENT_AT_LEAST

    def value_parts(self):
        return {"": PercentField(label=_("Pourcentage (de 0 à 100 %)"))}

    def value_initial(self, value):
        return {"": format_decimal(value) if isinstance(value, int | float) else value}

    def value_answer(self, parts):
        return parts[""]

    def display_value(self, value):
        return f"{format_decimal(value)} %" if isinstance(value, int | float) else str(value)


class WithinDaysInput(AnswerInput):
    """A date not in the future, or "never"."""

    answer_type = AnswerType.WITHIN_DAYS
    never_label = gettext_lazy("Jamais réalisé à ce jour")

    def value_parts(self):
        return {
            "": AnswerDateField(label=_("Date (JJ/MM/AAAA)")),
            "never": _flag(str(self.never_label)),
        }

    def value_initial(self, value):
        if value is False:
            return {"never": True}
        return {"": value}

    def value_answer(self, parts):
        day, never = parts[""], parts["never"]
        if never and day:
            raise ValidationError(
                {
                    part_name(self.code, "never"): _(
                        "Vous avez coché « jamais » et saisi une date : gardez l'un ou l'autre."
                    )
                }
            )
        return False if never else day

    def display_value(self, value):
        if value is False:
            return str(self.never_label)
        try:
            return format_date(date.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)


class PersonNamedInput(AnswerInput):
    """A named person (RSSI, PCRA referent): name and e-mail, or "nobody yet"."""

    answer_type = AnswerType.PERSON_NAMED
    nobody_label = gettext_lazy("Personne n'est désigné à ce jour")

    def value_parts(self):
        return {
            "name": forms.CharField(
                label=_("Prénom et nom"), required=False, max_length=MAX_NAME_LENGTH + 50
            ),
            "email": forms.CharField(
                label=_("Adresse e-mail"),
                required=False,
                max_length=254,
                widget=forms.EmailInput(attrs={"autocomplete": "off"}),
            ),
            "nobody": _flag(str(self.nobody_label)),
        }

    def value_initial(self, value):
        if value is False:
            return {"nobody": True}
        if isinstance(value, dict):
            return {"name": value.get("name", ""), "email": value.get("email", "")}
        return {}

    def value_answer(self, parts):
        name, email = (parts["name"] or "").strip(), (parts["email"] or "").strip()
        if parts["nobody"]:
            if name or email:
                raise ValidationError(
                    {
                        part_name(self.code, "nobody"): _(
                            "Vous avez coché « personne » et saisi un nom ou une adresse : gardez l'un ou l'autre."
                        )
                    }
                )
            return False
        if not name and not email:
            return None
        errors = {}
        if not name:
            errors[part_name(self.code, "name")] = _("Indiquez le nom de la personne.")
        if not email:
            errors[part_name(self.code, "email")] = _("Indiquez l'adresse e-mail de la personne.")
        if errors:
            raise ValidationError(errors)
        return {"name": name, "email": email}

    def display_value(self, value):
        if value is False:
            return str(self.nobody_label)
        if isinstance(value, dict):
            return f"{value.get('name', '')} <{value.get('email', '')}>"
        return str(value)


INPUTS: dict[str, type[AnswerInput]] = {
    cls.answer_type: cls
    for cls in (
        BooleanInput,
        TristateInput,
        LevelInput,
        RatioAtLeastInput,
        PercentAtLeastInput,
        WithinDaysInput,
        PersonNamedInput,
    )
}


def answer_input(requirement: Requirement) -> AnswerInput:
    """The input of a requirement, chosen by its rule type."""
    rule_type = (requirement.rule or {}).get("type") or requirement.answer_type
    return INPUTS[rule_type](requirement)


def rule_error_part(answer_input: AnswerInput, message: str) -> str:
    """The part a rule's message belongs next to (the e-mail box for an e-mail problem…)."""
    if isinstance(answer_input, PersonNamedInput) and "e-mail" in message and "nom" not in message:
        return part_name(answer_input.code, "email")
    return answer_input.main_part
