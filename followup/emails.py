"""The e-mails of the follow-up: French, plain text and HTML, each with the link to act."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse


def greeting_name(person) -> str:
    """How an e-mail greets the person: their name, or nobody in particular (never the address)."""
    return person.get_full_name() if person is not None else ""


def absolute_url(path: str) -> str:
    """The address of a portal page as the recipient reaches it (setting CARE_BASE_URL)."""
    return settings.CARE_BASE_URL.rstrip("/") + path


def assessment_url(assessment_id: int) -> str:
    """The assessment's status page: what to do next, submission, validation."""
    return absolute_url(reverse("assessments:status", args=[assessment_id]))


def bulk_reports_url() -> str:
    return absolute_url(reverse("followup:bulk_reports"))


def build_email(
    *, to: list[str], subject: str, template: str, context: dict
) -> EmailMultiAlternatives:
    """An e-mail from `followup/email/<template>.txt` and `.html`, rendered with `context`."""
    context = {"base_url": settings.CARE_BASE_URL.rstrip("/"), **context}
    text = render_to_string(f"followup/email/{template}.txt", context)
    html = render_to_string(f"followup/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    message.attach_alternative(html, "text/html")
    return message
