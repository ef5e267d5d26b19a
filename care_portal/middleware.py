"""Project middleware."""

from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequiredMiddleware


class LoginRequiredMiddleware(BaseLoginRequiredMiddleware):
    """Every page needs a signed-in user, except the sign-in page and the API.

    The API authenticates its own callers (session or token) and answers 401/403 as JSON, so it
    must not be redirected to the HTML sign-in page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
