"""The referential, readable by everyone signed in."""

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from referential.forms import ReferentialFilterForm
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
