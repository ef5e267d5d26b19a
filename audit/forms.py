from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.models import Action


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Toutes les actions")), *Action.choices],
    )
    start = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(
        label=_("Personne ou objet"),
        required=False,
        max_length=100,
        help_text=_("Adresse électronique, nom ou FINESS"),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("La date de fin précède la date de début."))
        return data

    def filter(self, events):
        data = self.cleaned_data
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("start"):
            events = events.filter(created_at__date__gte=data["start"])
        if data.get("end"):
            events = events.filter(created_at__date__lte=data["end"])
        if data.get("q"):
            q = data["q"].strip()
            events = events.filter(
                Q(actor_label__icontains=q)
                | Q(target__icontains=q)
                | Q(establishment__finess=q.upper())
            )
        return events
