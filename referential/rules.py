"""The scoring rule types of the referential: parameter checks, answer validation, evaluation.

A rule is declared in the referential YAML (``{"type": "ratio_at_least", "met": 0.02, "partial":
0.01}``) and built with :func:`get_rule`. Each rule:

- ``check_params()`` checks its parameters and raises :class:`RuleParamError`;
- ``clean(value, *, reference_date, not_applicable_allowed)`` validates an answer given as typed
  JSON and returns it normalized, or raises :class:`AnswerError` with a French message;
- ``evaluate(value, reference_date)`` gives ``(status, score)`` for a cleaned answer.

Answer values: ``boolean`` true/false; ``tristate`` "yes"/"partial"/"no"; ``ratio_at_least``
{"numerator": n, "denominator": n}; ``percent_at_least`` a number 0-100; ``within_days``
"YYYY-MM-DD", or false for "never"; ``date`` "YYYY-MM-DD" (past or future: a due date such as the
next certification visit, met once given), or false for "not set yet"; ``level`` the choice key; ``person_named`` {"name", "email"},
or false for "nobody"; "not_applicable" where the requirement allows it; null = unanswered.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from care_portal.formats import format_date
from referential.numbers import number_problem, shown_value

MET = "met"
PARTIAL = "partial"
NOT_MET = "not_met"
UNANSWERED = "unanswered"
NOT_APPLICABLE = "not_applicable"
STATUSES = (MET, PARTIAL, NOT_MET, UNANSWERED, NOT_APPLICABLE)
# A follow-up whose condition does not hold: not asked, so neither answered nor counted.
# "Not applicable" is only ever an explicit answer.
NOT_ASKED = "not_asked"

# The stored answer value that marks a requirement as not applicable.
NOT_APPLICABLE_VALUE = "not_applicable"

# Amounts are euros: above this, a typing error is far more likely than a real budget.
MAX_AMOUNT = 100_000_000_000
# Dates before this are typing errors (e.g. "0025-03-01"), not old exercises.
EARLIEST_DATE = date(2000, 1, 1)
# A due date (``date`` rule) after this is a typing error, not a planned visit.
LATEST_DATE = date(2100, 12, 31)
MAX_DAYS = 36_500
MAX_NAME_LENGTH = 200

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Status = str
Evaluation = tuple[Status, float | None]

_MET_1: Evaluation = (MET, 1.0)
_PARTIAL_HALF: Evaluation = (PARTIAL, 0.5)
_NOT_MET_0: Evaluation = (NOT_MET, 0.0)
_UNANSWERED_0: Evaluation = (UNANSWERED, 0.0)
_NOT_APPLICABLE: Evaluation = (NOT_APPLICABLE, None)


class RuleParamError(ValueError):
    """A rule's parameters in the referential are missing or wrong."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AnswerError(ValueError):
    """An answer value cannot be accepted; the message is shown to the person answering."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _is_number(value: Any) -> bool:
    """A JSON number: int or float, never a boolean, never NaN or infinite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not (isinstance(value, float) and not math.isfinite(value))


def _refuse_extra_keys(value: dict, allowed: set[str]) -> None:
    extra = set(value) - allowed
    if extra:
        raise AnswerError(
            _("Réponse invalide : champ(s) inattendu(s) %(names)s.")
            % {"names": ", ".join(sorted(map(str, extra)))}
        )


class Rule:
    """Base of every rule type; subclasses set ``type`` and override what differs."""

    type: ClassVar[str]
    allowed_params: ClassVar[frozenset[str]] = frozenset()
    required_params: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, params: Mapping[str, Any]):
        self.params = dict(params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"

    # --- parameters -------------------------------------------------------------------------

    def check_params(self) -> None:
        """Raise RuleParamError unless the parameters from the referential are usable."""
        keys = set(self.params) - {"type"}
        unknown = keys - self.allowed_params - self.required_params
        if unknown:
            raise RuleParamError(
                _("Règle « %(type)s » : paramètre(s) inconnu(s) %(names)s.")
                % {"type": self.type, "names": ", ".join(sorted(map(str, unknown)))}
            )
        missing = self.required_params - keys
        if missing:
            raise RuleParamError(
                _("Règle « %(type)s » : paramètre(s) obligatoire(s) manquant(s) %(names)s.")
                % {"type": self.type, "names": ", ".join(sorted(missing))}
            )

    def _check_threshold(self, name: str, high: float) -> None:
        value = self.params.get(name)
        if not _is_number(value) or not 0 < value <= high:
            raise RuleParamError(
                _(
                    "Règle « %(type)s » : le paramètre « %(name)s » doit être un nombre "
                    "strictement positif, au plus %(high)s (reçu : %(value)r)."
                )
                % {"type": self.type, "name": name, "high": high, "value": value}
            )

    # --- answers ----------------------------------------------------------------------------

    def clean(
        self,
        value: Any,
        *,
        reference_date: date | None = None,
        not_applicable_allowed: bool = False,
    ) -> Any:
        """Return the answer normalized, or raise AnswerError with a French message.

        ``None`` (unanswered) is always accepted. ``reference_date`` is the date answers are
        judged against (today for a draft); dates after it are refused.
        """
        if value is None:
            return None
        if value == NOT_APPLICABLE_VALUE:
            if not not_applicable_allowed:
                raise AnswerError(
                    _("La réponse « non applicable » n'est pas autorisée pour cette exigence.")
                )
            return NOT_APPLICABLE_VALUE
        return self.clean_value(value, reference_date=reference_date or timezone.localdate())

    def clean_value(self, value: Any, *, reference_date: date) -> Any:
        raise NotImplementedError

    def evaluate(self, value: Any, reference_date: date) -> Evaluation:
        """``(status, score)`` of a cleaned answer; score is None when not applicable."""
        if value is None:
            return _UNANSWERED_0
        if value == NOT_APPLICABLE_VALUE:
            return _NOT_APPLICABLE
        return self.evaluate_value(value, reference_date)

    def evaluate_value(self, value: Any, reference_date: date) -> Evaluation:
        raise NotImplementedError

    def _wrong_type(self, expected: str) -> AnswerError:
        return AnswerError(_("Réponse invalide : %(expected)s attendu.") % {"expected": expected})


class BooleanRule(Rule):
    """Yes / no: yes is met, no is not met."""

    type = "boolean"

    def clean_value(self, value: Any, *, reference_date: date) -> bool:
        if not isinstance(value, bool):
            raise self._wrong_type(_("oui ou non (true / false)"))
        return value

    def evaluate_value(self, value: Any, reference_date: date) -> Evaluation:
        return _MET_1 if value is True else _NOT_MET_0


class TristateRule(Rule):
    """Yes / partially / no."""

    type = "tristate"
    choices: ClassVar[tuple[str, ...]] = ("yes", "partial", "no")

    def clean_value(self, value: Any, *, reference_date: date) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise self._wrong_type(_("« yes », « partial » ou « no »"))
        return value

    def evaluate_value(self, value: Any, reference_date: date) -> Evaluation:
        if value == "yes":
            return _MET_1
        if value == "partial":
            return _PARTIAL_HALF
        return _NOT_MET_0


class _ThresholdRule(Rule):
    """Met at or above ``met``, partial at or above ``partial`` (when given), else not met."""

    allowed_params = frozenset({"partial"})
    required_params = frozenset({"met"})
    upper: ClassVar[float]

    def check_params(self) -> None:
        super().check_params()
        self._check_threshold("met", self.upper)
        if "partial" in self.params:
            self._check_threshold("partial", self.upper)
            if self.params["partial"] > self.params["met"]:
                raise RuleParamError(
                    _("Règle « %(type)s » : « partial » (%(partial)s) dépasse « met » (%(met)s).")
                    % {
                        "type": self.type,
                        "partial": self.params["partial"],
                        "met": self.params["met"],
                    }
                )

    def _grade(self, measure: float) -> Evaluation:
        if measure >= self.params["met"]:
            return _MET_1
        partial = self.params.get("partial")
        if partial is not None and measure >= partial:
            return _PARTIAL_HALF
        return _NOT_MET_0


class RatioAtLeastRule(_ThresholdRule):
    """Two amounts (e.g. digital + cyber spend and total operating budget); ratio against thresholds."""

    type = "ratio_at_least"
    upper = 1

    def clean_value(self, value: Any, *, reference_date: date) -> dict[str, int | float]:
        if not isinstance(value, dict):
            raise self._wrong_type(_("deux montants (numérateur et dénominateur)"))
        _refuse_extra_keys(value, {"numerator", "denominator"})
        amounts = {}
        for key, label in (("numerator", _("numérateur")), ("denominator", _("dénominateur"))):
            amount = value.get(key)
            if amount is None:
                raise AnswerError(_("Le montant %(label)s est obligatoire.") % {"label": label})
            problem = number_problem(amount)
            if problem:
                raise AnswerError(
                    _("Le montant %(label)s doit être un nombre (reçu : %(value)s) : %(reason)s.")
                    % {"label": label, "value": shown_value(amount), "reason": problem}
                )
            if amount < 0:
                raise AnswerError(
                    _("Le montant %(label)s ne peut pas être négatif.") % {"label": label}
                )
            if amount > MAX_AMOUNT:
                raise AnswerError(
                    _("Le montant %(label)s est invraisemblable (plus de %(max)s €).")
                    % {"label": label, "max": f"{MAX_AMOUNT:,}".replace(",", " ")}
                )
            amounts[key] = amount
        if amounts["denominator"] == 0:
            raise AnswerError(_("Le montant dénominateur (total) ne peut pas être nul."))
        if amounts["numerator"] > amounts["denominator"]:
            raise AnswerError(
                _("Le montant numérateur dépasse le total (dénominateur) : vérifiez les montants.")
            )
        return amounts

    def evaluate_value(self, value: Any, reference_date: date) -> Evaluation:
        # Division is correctly rounded, so a ratio of exactly 2 % gives the float 0.02: met.
        try:
            return self._grade(value["numerator"] / value["denominator"])
        except (KeyError, TypeError, ZeroDivisionError):
            return _NOT_MET_0


class PercentAtLeastRule(_ThresholdRule):
    """A share from 0 to 100 (e.g. workstations covered by an EDR)."""

    type = "percent_at_least"
    upper = 100

    def clean_value(self, value: Any, *, reference_date: date) -> int | float:
        problem = number_problem(value)
        if problem:
            raise AnswerError(
                _(
                    "Réponse invalide : un pourcentage (nombre de 0 à 100) attendu "
                    "(reçu : %(value)s) : %(reason)s."
                )
                % {"value": shown_value(value), "reason": problem}
            )
        if value < 0 or value > 100:
            raise AnswerError(
                _("Le pourcentage doit être compris entre 0 et 100 (reçu : %(value)s).")
                % {"value": value}
            )
        return value

    def evaluate_value(self, value: Any, reference_date: date) -> Evaluation:
        if not _is_number(value):
            return _NOT_MET_0
        return self._grade(value)


class WithinDaysRule(Rule):
    """A date not in the future; met if at most ``met`` days old, partial up to ``partial``."""

    type = "within_days"
    allowed_params = frozenset({"partial"})
    required_params = frozenset({"met"})

    def check_params(self) -> None:
        super().check_params()
        for name in ("met", "partial"):
            if name not in self.params:
                continue
            days = self.params[name]
            if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS:
                raise RuleParamError(
                    _(
                        "Règle « within_days » : « %(name)s » doit être un nombre entier de jours "
                        "entre 0 et %(max)s (reçu : %(value)r)."
                    )
                    % {"name": name, "max": MAX_DAYS, "value": days}
                )
        if "partial" in self.params and self.params["partial"] < self.params["met"]:
            raise RuleParamError(
                _(
                    "Règle « within_days » : « partial » (%(partial)s jours) doit être au moins "
                    "égal à « met » (%(met)s jours)."
                )
                % self.params
            )

    def clean_value(self, value: Any, *, reference_date: date) -> str | bool:
        if value is False:
            return False  # never done
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise self._wrong_type(_("une date au format AAAA-MM-JJ"))
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise AnswerError(_("La date « %(value)s » n'existe pas.") % {"value": value}) from None
        if day > reference_date:
            raise AnswerError(
                _("La date « %(value)s » est dans le futur (après le %(ref)s).")
                % {"value": value, "ref": format_date(reference_date)}
            )
        if day < EARLIEST_DATE:
            raise AnswerError(
                _("La date « %(value)s » est invraisemblable (avant 2000).") % {"value": value}
            )
        return value

    def evaluate_value(self, value: Any, reference_date: date) -> Evaluation:
        if not isinstance(value, str):
            return _NOT_MET_0
        try:
            age = (reference_date - date.fromisoformat(value)).days
        except ValueError:
            return _NOT_MET_0
        if age < 0:
            # Not done yet on the reference date.
            return _NOT_MET_0
        if age <= self.params["met"]:
            return _MET_1
        partial = self.params.get("partial")
        if partial is not None and age <= partial:
            return _PARTIAL_HALF
        return _NOT_MET_0


class DateRule(Rule):
    """A date to come or past (a due date: the next certification visit); met once given, not
    met while it is not set yet (false).

    Unlike ``within_days``, a future date is accepted: it is the establishment's own due date,
    which another requirement names in ``due_date_from``.
    """

    type = "date"

    def clean_value(self, value: Any, *, reference_date: date) -> str | bool:
        if value is False:
            return False  # not set yet
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise self._wrong_type(_("une date au format AAAA-MM-JJ"))
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise AnswerError(_("La date « %(value)s » n'existe pas.") % {"value": value}) from None
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise AnswerError(
                _("La date « %(value)s » est invraisemblable (avant 2000 ou après 2100).")
                % {"value": value}
            )
        return value

    def evaluate_value(self, value: Any, reference_date: date) -> Evaluation:
        return _MET_1 if isinstance(value, str) else _NOT_MET_0


class LevelRule(Rule):
    """One choice among levels, each with its score (1 met, between 0 and 1 partial, 0 not met)."""

    type = "level"
    allowed_params = frozenset({"labels"})
    required_params = frozenset({"choices"})

    def __init__(self, params: Mapping[str, Any]):
        super().__init__(params)
        # YAML turns `1: 0` into an integer key; answers always carry the key as a string.
        choices = self.params.get("choices")
        if isinstance(choices, Mapping):
            self.params["choices"] = {str(key): score for key, score in choices.items()}
        labels = self.params.get("labels")
        if isinstance(labels, Mapping):
            self.params["labels"] = {str(key): label for key, label in labels.items()}
        self._evaluations: dict[str, Evaluation] = {}

    def check_params(self) -> None:
        super().check_params()
        choices = self.params["choices"]
        if not isinstance(choices, Mapping) or not choices:
            raise RuleParamError(_("Règle « level » : « choices » doit lister au moins un choix."))
        for key, score in choices.items():
            if not _is_number(score) or not 0 <= score <= 1:
                raise RuleParamError(
                    _(
                        "Règle « level » : le score du choix « %(key)s » doit être un nombre "
                        "entre 0 et 1 (reçu : %(value)r)."
                    )
                    % {"key": key, "value": score}
                )
        if not any(score == 1 for score in choices.values()):
            raise RuleParamError(
                _("Règle « level » : au moins un choix doit valoir 1 (exigence atteinte).")
            )
        labels = self.params.get("labels")
        if labels is not None:
            if not isinstance(labels, Mapping) or set(labels) != set(choices):
                raise RuleParamError(
                    _("Règle « level » : « labels » doit donner un libellé à chaque choix.")
                )
            if not all(isinstance(label, str) and label.strip() for label in labels.values()):
                raise RuleParamError(_("Règle « level » : chaque libellé doit être un texte."))

    def clean_value(self, value: Any, *, reference_date: date) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise self._wrong_type(_("un des niveaux proposés"))
        if value not in self.params["choices"]:
            raise AnswerError(
                _("Niveau « %(value)s » inconnu ; choix possibles : %(choices)s.")
                % {"value": value, "choices": ", ".join(self.params["choices"])}
            )
        return value

    def evaluate_value(self, value: Any, reference_date: date) -> Evaluation:
        if type(value) is not str:
            value = str(value)
        cached = self._evaluations.get(value)
        if cached is not None:
            return cached
        score = self.params["choices"].get(value)
        if score is None:
            return _NOT_MET_0
        if score >= 1:
            result = (MET, 1.0)
        elif score > 0:
            result = (PARTIAL, float(score))
        else:
            result = _NOT_MET_0
        self._evaluations[value] = result
        return result


class PersonNamedRule(Rule):
    """A named person (RSSI, PCRA referent): name and e-mail both given is met."""

    type = "person_named"

    def clean_value(self, value: Any, *, reference_date: date) -> dict[str, str] | bool:
        if value is False:
            return False  # nobody named
        if not isinstance(value, dict):
            raise self._wrong_type(_("un nom et une adresse e-mail"))
        _refuse_extra_keys(value, {"name", "email"})
        name, email = value.get("name") or "", value.get("email") or ""
        if not isinstance(name, str) or not isinstance(email, str):
            raise self._wrong_type(_("un nom et une adresse e-mail (textes)"))
        name, email = " ".join(name.split()), email.strip()
        if not name and not email:
            return False
        if not name:
            raise AnswerError(_("Indiquez le nom de la personne."))
        if len(name) > MAX_NAME_LENGTH:
            raise AnswerError(
                _("Le nom est trop long (%(max)s caractères au plus).") % {"max": MAX_NAME_LENGTH}
            )
        if not email:
            raise AnswerError(_("Indiquez l'adresse e-mail de la personne."))
        try:
            validate_email(email)
        except ValidationError:
            raise AnswerError(
                _("« %(email)s » n'est pas une adresse e-mail valide.") % {"email": email}
            ) from None
        return {"name": name, "email": email}

    def evaluate_value(self, value: Any, reference_date: date) -> Evaluation:
        if isinstance(value, dict) and value.get("name") and value.get("email"):
            return _MET_1
        return _NOT_MET_0


RULE_TYPES: dict[str, type[Rule]] = {
    cls.type: cls
    for cls in (
        BooleanRule,
        TristateRule,
        RatioAtLeastRule,
        PercentAtLeastRule,
        WithinDaysRule,
        DateRule,
        LevelRule,
        PersonNamedRule,
    )
}


def get_rule(rule: Mapping[str, Any]) -> Rule:
    """The rule object for a rule declaration such as ``{"type": "boolean"}``.

    Raises RuleParamError for an unknown type; call ``check_params()`` to check the parameters.
    """
    if not isinstance(rule, Mapping):
        raise RuleParamError(_("La règle doit être un objet avec un champ « type »."))
    rule_type = rule.get("type")
    cls = RULE_TYPES.get(rule_type) if isinstance(rule_type, str) else None
    if cls is None:
        raise RuleParamError(
            _("Type de règle inconnu « %(type)s » ; types possibles : %(types)s.")
            % {"type": rule_type, "types": ", ".join(RULE_TYPES)}
        )
    return cls(rule)


def checked_rule(rule: Mapping[str, Any]) -> Rule:
    """``get_rule`` followed by ``check_params``."""
    built = get_rule(rule)
    built.check_params()
    return built
