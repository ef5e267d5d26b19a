"""Record when a session starts (for its fixed lifetime and re-authentication) and when sign-in
is locked."""

import time

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.middleware import SIGNED_IN_AT_SESSION_KEY
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
