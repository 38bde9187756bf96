"""HTTP middleware of the platform itself."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class GraphQLCsrfMiddleware:
    """Decides which requests need Django's CSRF check, before CsrfViewMiddleware runs.

    Forgery needs a request that a browser sends cross-site *with* the victim's cookie. Exempt are:
    - requests with no session cookie (nothing ambient to abuse: apps, services, anonymous portals);
    - `Authorization: Bearer` requests (browsers never attach that header by themselves);
    - JSON bodies: a cross-site `application/json` POST needs a CORS preflight, which we never grant.
    What remains, a cookie-carrying "simple" request (multipart uploads, forms, text/plain), keeps the full
    CSRF check: that is exactly the shape a hostile page can submit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
        bearer = request.headers.get("Authorization", "")[:7].lower() == "bearer "
        json_body = request.content_type in {"application/json", "application/graphql-response+json"}
        if not has_session or bearer or json_body:
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return self.get_response(request)
