"""The filters of the referential page: which version, for which kind of structure, which domain."""

from django import forms
from django.utils.translation import gettext_lazy as _

KIND_CHOICES = [
    ("", _("Tous")),
    ("ES", _("Établissement de santé (ES)")),
    ("ESSMS", _("Établissement social et médico-social (ESSMS)")),
    ("GHT", _("GHT (exigences de niveau GHT)")),
]


class ReferentialFilterForm(forms.Form):
    version = forms.ChoiceField(label=_("Version du référentiel"), required=False)
    kind = forms.ChoiceField(label=_("Type de structure"), choices=KIND_CHOICES, required=False)
    domain = forms.ChoiceField(label=_("Domaine technique"), required=False)

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = {version.label: version for version in versions}
        self.fields["version"].choices = [
            (version.label, self._version_label(version)) for version in versions
        ]
        if len(versions) < 2:
            del self.fields["version"]
        # The domains are those of the version asked for (each version names its own).
        asked = self.versions.get(self.data.get("version")) if self.is_bound else None
        shown = asked or next(iter(self.versions.values()), None)
        domains = shown.domain_choices() if shown is not None else []
        self.fields["domain"].choices = [("", _("Tous")), *domains]

    @staticmethod
    def _version_label(version) -> str:
        label = f"{version.code} v{version.version} — {version.title}"
        if version.status == version.Status.DRAFT:
            label += " " + str(_("(brouillon)"))
        return label

    def selected_version(self):
        """The chosen version, or the first one offered (the newest published)."""
        if self.is_valid() and self.cleaned_data.get("version"):
            return self.versions[self.cleaned_data["version"]]
        return next(iter(self.versions.values()), None)

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"kind": "", "domain": ""}
        return {"kind": self.cleaned_data["kind"], "domain": self.cleaned_data["domain"]}
