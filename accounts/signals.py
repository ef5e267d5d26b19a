"""Record when a session starts (for its fixed lifetime and re-authentication) and when sign-in
is locked; end API tokens when an account's password changes or it is deactivated."""

import time

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from accounts.middleware import SIGNED_IN_AT_SESSION_KEY
from accounts.service_tokens import end_tokens_after_credentials_change
from accounts.two_factor import mark_recently_authenticated
from audit.models import Action
from audit.services import home_establishment, home_region_code, record_event


@receiver(user_logged_in, dispatch_uid="accounts_session_start")
def _session_started(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT_SESSION_KEY] = time.time()
        mark_recently_authenticated(request)


@receiver(user_locked_out, dispatch_uid="accounts_locked_out")
def _locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    User = get_user_model()
    username = User.normalize_username(str(username or ""))[:254]
    user = User.objects.filter(email=username).first()
    record_event(
        actor=None,
        action=Action.LOCKOUT,
        establishment=home_establishment(user) if user else None,
        region=home_region_code(user) if user else None,
        request=request,
        target=username,
    )


_CREDENTIAL_FIELDS = {"password", "is_active"}


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_credentials_before")
def _remember_credentials(sender, instance, update_fields=None, **kwargs) -> None:
    if instance.pk is None or (
        update_fields is not None and not _CREDENTIAL_FIELDS & set(update_fields)
    ):
        instance._care_credentials_before = None
        return
    instance._care_credentials_before = (
        sender.objects.filter(pk=instance.pk).values_list("password", "is_active").first()
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_credentials_after")
def _credentials_changed(sender, instance, created=False, **kwargs) -> None:
    """A new password or a deactivation ends the account's API tokens (service and personal)."""
    before = getattr(instance, "_care_credentials_before", None)
    if created or before is None:
        return
    if before != (instance.password, instance.is_active):
        end_tokens_after_credentials_change(instance)
