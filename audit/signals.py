"""Sign-ins, sign-outs and failed sign-ins go to the audit log through Django's auth signals."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import Action
from audit.services import record_sign_in_event, record_sign_in_failure


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def _signed_in(sender, request, user, **kwargs) -> None:
    # A sign-in through an identity provider says which one, and the acr/amr it reported.
    detail = getattr(request, "care_sign_in_detail", None)
    record_sign_in_event(user=user, action=Action.SIGN_IN, request=request, detail=detail)


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def _signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_sign_in_event(user=user, action=Action.SIGN_OUT, request=request)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    User = get_user_model()
    # Under the account's own spelling of the address, whatever look-alike was typed.
    typed = str(credentials.get("username") or credentials.get("email") or "")
    record_sign_in_failure(address=User.normalize_username(typed)[:254], request=request)
