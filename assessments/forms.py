"""The form of one step of an assessment, laid out with crispy-forms in DSFR markup.

Each requirement of the step becomes one or more fields (see ``answer_fields``); its value is
checked by the requirement's rule so that the form and the API refuse the same answers with the
same messages. A step that cannot be saved as a whole is not lost: the answers that are valid are
saved, the others are shown again as typed, each with its message (see ``views.form``).
"""

from __future__ import annotations

import json
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import ButtonHolder, Div, Field, Layout, Submit
from crispy_forms.utils import TEMPLATE_PACK, render_field
from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from assessments.answer_fields import (
    NA,
    PART_SEPARATOR,
    RatioAtLeastInput,
    rule_error_part,
)
from assessments.answers import na_reason_error
from assessments.form_page import FormPage, Item, Step, same_answer
from assessments.scoring.model import RequirementStatus
from care_portal.formats import format_number
from referential.numbers import load_json
from referential.rules import NOT_APPLICABLE, NOT_ASKED, AnswerError

SAVE = "save"
SAVE_AND_CONTINUE = "save_continue"
SAVE_AND_REVIEW = "save_review"


class DsfrSubmit(Submit):
    """A DSFR button submitting the form."""

    field_classes = "fr-btn"


class ObjectiveHeading:
    """Crispy layout object: the title of an objective (text from the referential, escaped)."""

    def __init__(self, objective):
        self.objective = objective

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        return format_html(
            '<h3 class="fr-h5 care-objective__title">{} {} — {}</h3>',
            _("Objectif"),
            self.objective.number,
            self.objective.title,
        )


class RequirementBlock:
    """Crispy layout object: one requirement with its details, its fields or its answer."""

    template = "assessments/form_requirement.html"

    def __init__(self, code: str):
        self.code = code

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        item: Item = form.page.items[self.code]
        names = form.parts_of.get(self.code, [])
        grouped = {"grouped": True}
        parts = SafeString(
            "".join(
                render_field(
                    name, form, context, template_pack=template_pack, extra_context=grouped
                )
                for name in names
            )
        )
        page = form.page
        status = page.status_of(self.code)
        context = {
            "request": context.get("request"),
            "item": item,
            "page": page,
            "parts": parts,
            "part_errors": [form[name] for name in names if form[name].errors],
            # Radios have no box of their own to show an error on: the question's fieldset does.
            "choice_error": any(
                form[name].errors and getattr(form[name].field.widget, "input_type", "") == "radio"
                for name in names
            ),
            "conflict": form.conflicts.get(self.code),
            # Not applicable is said by the answer itself: no badge.
            "status_badge": (
                RequirementStatus.of(status) if status not in (NOT_APPLICABLE, NOT_ASKED) else None
            ),
            "display": item.input.display(item.value),
            "condition_values": json.dumps(page.condition_html_values(item.requirement)),
            "supporting": page.assessment.establishment.ght,
            "contradictions": [
                (contradiction, [(code, page.item_url(code)) for code in contradiction.codes])
                for contradiction in item.contradictions
            ],
        }
        if isinstance(item.input, RatioAtLeastInput):
            ratio = item.input.ratio(item.value)
            context.update(
                is_ratio=True,
                ratio=ratio,
                ratio_percent=format_number(100 * ratio, decimals=2) if ratio is not None else None,
                target_percent=format_number(
                    100 * item.input.rule.params.get("met", 0), decimals=2
                ),
                # From version 2 on, the partial step is said to be the portal's choice.
                portal_step_percent=(
                    format_number(100 * item.input.rule.params["partial"], decimals=2)
                    if item.requirement.source and item.input.rule.params.get("partial")
                    else None
                ),
            )
        return render_to_string(self.template, context)


class StepForm(forms.Form):
    """The answers of one step, with the version and the values they were typed against."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # The step's answers as they were when the page was shown, to tell another person's
    # changes from one's own when the assessment changed in between.
    baseline = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, data=None, *, page: FormPage, step: Step):
        self.page = page
        self.step = step
        self.conflicts: dict[str, dict[str, Any]] = {}
        self.answers: dict[str, Any] = {}
        # The reasons typed with "not applicable" answers.
        self.reasons: dict[str, str] = {}
        initial = {"version": page.assessment.version, "baseline": self.baseline_json()}
        for item in step.editable_items:
            initial.update(item.input.initial(item.value))
            if item.input.na_allowed:
                initial[item.input.reason_part] = item.na_reason
        super().__init__(data, initial=initial)
        self.parts_of: dict[str, list[str]] = {}
        for item in step.editable_items:
            parts = item.input.parts()
            self.fields.update(parts)
            self.parts_of[item.code] = list(parts)
        self.helper = self._helper()

    # --- layout ---------------------------------------------------------------------------------

    def _helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_id = "assessment-form"
        helper.form_tag = bool(self.step.editable_items)
        helper.attrs = {"novalidate": "", "data-care-form": ""}
        groups = []
        for group in self.step.groups:
            objective = group.objective
            groups.append(
                Div(
                    ObjectiveHeading(objective),
                    *(RequirementBlock(item.code) for item in group.items),
                    css_class="care-objective fr-mb-6w",
                    css_id=f"objective-{objective.code}",
                )
            )
        layout = Layout(Field("version"), Field("baseline"), *groups)
        if self.step.editable_items:
            next_label = _("Enregistrer et continuer") if self.page.next_step(self.step) else None
            buttons = [DsfrSubmit(SAVE, _("Enregistrer"), css_class="fr-btn--secondary")]
            if next_label:
                buttons.append(DsfrSubmit(SAVE_AND_CONTINUE, next_label))
            elif self.page.may_edit:
                # The last step leads to the review, then the confirmed submission.
                buttons.append(DsfrSubmit(SAVE_AND_REVIEW, _("Vérifier et transmettre")))
            layout.append(ButtonHolder(*buttons, css_class="care-form-actions"))
        helper.layout = layout
        return helper

    # --- values ---------------------------------------------------------------------------------

    def baseline_json(self) -> str:
        return json.dumps({item.code: item.value for item in self.step.editable_items})

    def posted_baseline(self) -> dict[str, Any] | None:
        """The step's answers when the page was shown, as posted back; None if unreadable."""
        try:
            baseline = load_json(self.data.get("baseline") or "")
        except ValueError:  # unreadable, or nested too deep (JSONRefused)
            return None
        return baseline if isinstance(baseline, dict) else None

    def posted_version(self) -> int | None:
        try:
            return int(self.data.get("version"))
        except (TypeError, ValueError):
            return None

    def clean(self):
        cleaned = super().clean()
        reference_date = self.page.reference_date
        for item in self.step.editable_items:
            names = self.parts_of[item.code]
            if any(name in self._errors for name in names):
                continue
            try:
                value = item.input.answer(cleaned)
                value = item.input.rule.clean(
                    value,
                    reference_date=reference_date,
                    not_applicable_allowed=item.requirement.not_applicable_allowed,
                )
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    for message in messages:
                        self.add_error(name, message)
                continue
            except AnswerError as error:
                self.add_error(rule_error_part(item.input, error.message), error.message)
                continue
            reason = item.input.reason(cleaned) if value == NA else None
            problem = na_reason_error(
                value=value,
                reason=reason,
                reason_required=item.requirement.reason_required_for_na,
            )
            if problem:
                self.add_error(item.input.reason_part, problem)
                continue
            self.answers[item.code] = value
            if reason is not None:
                self.reasons[item.code] = reason
        # A follow-up whose condition no longer holds is neither checked nor saved.
        asked = self.page.asked_codes({**self.page.values, **self.answers})
        for item in self.step.editable_items:
            if item.code not in asked:
                self.answers.pop(item.code, None)
                for name in self.parts_of[item.code]:
                    self._errors.pop(name, None)
        return cleaned

    def changed_answers(self) -> dict[str, Any]:
        """The valid answers that differ from what is stored."""
        return {
            code: value
            for code, value in self.answers.items()
            if not same_answer(value, self.page.values.get(code))
            or (code in self.reasons and self.reasons[code] != self.page.items[code].na_reason)
        }

    def changed_reasons(self) -> dict[str, str]:
        """The N/A reasons typed with the changed answers."""
        changed = self.changed_answers()
        return {code: reason for code, reason in self.reasons.items() if code in changed}

    def changed_elsewhere(self) -> list[str]:
        """Codes of this step's answers changed by someone else since the page was shown."""
        baseline = self.posted_baseline()
        return [
            item.code
            for item in self.step.editable_items
            if baseline is None or not same_answer(item.value, baseline.get(item.code))
        ]

    def add_rejections(self, errors: dict[str, str]) -> None:
        """Messages of answers refused when saving, next to their fields."""
        for code, message in errors.items():
            item = self.page.items.get(code)
            if item is not None and code in self.parts_of:
                self.add_error(rule_error_part(item.input, message), message)
            else:
                self.add_error(None, message)

    def add_conflicts(self, codes: list[str]) -> None:
        for code in codes:
            item = self.page.items[code]
            answer = item.answer
            # Every part of the requirement, emptied unless their answer fills it.
            parts = dict.fromkeys(self.parts_of.get(code, []), "")
            parts.update(item.input.initial(item.value))
            self.conflicts[code] = {
                "theirs": item.input.display(item.value),
                "by": answer.updated_by if answer else None,
                "at": answer.updated_at if answer else None,
                "parts": json.dumps(
                    {name: value for name, value in parts.items() if value is not None}
                ),
            }

    @property
    def error_links(self) -> list[tuple[str, str, str]]:
        """(anchor, question, message) of each error, for the summary atop the page."""
        links = []
        for name, errors in self.errors.items():
            if name not in self.fields or name in ("version", "baseline"):
                continue
            code = name.split(PART_SEPARATOR)[0]
            links.append((f"req-{code}", self.page.items[code].requirement.label, errors[0]))
        return links
