"""The referential, readable by everyone signed in."""

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from referential.ciso_assistant import library_filename, library_yaml
from referential.forms import ReferentialFilterForm
from referential.mappings import by_requirement
from referential.models import ReferentialVersion
from referential.outline import reading_target, referential_outline


def referential_index(request: HttpRequest) -> HttpResponse:
    versions = list(ReferentialVersion.objects.for_user(request.user).newest_first())
    form = ReferentialFilterForm(request.GET or None, versions=versions)
    selected = form.selected_version()
    referential, outline = None, []
    if selected is not None:
        referential = ReferentialVersion.objects.with_content().get(pk=selected.pk)
        outline = referential_outline(referential, **form.filters())
        mapped = by_requirement(referential)
        for entry in outline:
            for objective in entry.objectives:
                for requirement in objective.requirements:
                    requirement.mapped = mapped.get(requirement.code, [])
    return render(
        request,
        "referential/index.html",
        {
            "page_title": _("Référentiel CaRE"),
            "form": form,
            "referential": referential,
            "outline": outline,
            "targets": [reading_target(t) for t in referential.headline_targets]
            if referential
            else [],
            "domains": [
                {**d, "arrete_date": d["arrete_date"] and date.fromisoformat(d["arrete_date"])}
                for d in (referential.domains if referential else [])
            ],
            "shown": sum(len(o.requirements) for a in outline for o in a.objectives),
            "filtered": any(form.filters().values()),
        },
    )


def ciso_library(request: HttpRequest, code: str, version: int) -> HttpResponse:
    """The version as a CISO Assistant library file (drafts for those who may see them)."""
    referential = get_object_or_404(
        ReferentialVersion.objects.for_user(request.user), code=code, version=version
    )
    response = HttpResponse(
        library_yaml(referential), content_type="application/yaml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{library_filename(referential)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
