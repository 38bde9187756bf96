"""HTTP middleware of the platform itself."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Custom headers a browser only sends cross-site after a CORS preflight (which we never grant): a request
# carrying one cannot come from a hostile page's form or simple fetch.
PREFLIGHT_HEADERS = ("X-Requested-With", "Apollo-Require-Preflight", "GraphQL-Preflight")


class GraphQLCsrfMiddleware:
    """Decides which requests need Django's CSRF check, before CsrfViewMiddleware runs.

    A hostile page can send, without a preflight, a "simple" request: form-encoded, multipart or text/plain
    body, no custom header. Such a request is dangerous with the victim's cookies (forgery) *and* without
    them: a cookieless `accountLogin(session: true)` logs the victim's browser into the attacker's account
    (login CSRF, issue 17). So a simple POST always goes through Django's CSRF check (token + cookie),
    cookies or not. Exempt are requests a browser cannot send cross-site without a preflight:
    - `Authorization: Bearer` requests;
    - JSON bodies (`application/json`);
    - requests carrying one of PREFLIGHT_HEADERS (e.g. `X-Requested-With`, Apollo's `Apollo-Require-Preflight`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bearer = request.headers.get("Authorization", "")[:7].lower() == "bearer "
        json_body = request.content_type in {"application/json", "application/graphql-response+json"}
        preflighted = any(name in request.headers for name in PREFLIGHT_HEADERS)
        if bearer or json_body or preflighted:
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return self.get_response(request)


class JsonErrorMiddleware:
    """Outermost: a 5xx that is not JSON (Django's HTML error page, a text answer) becomes a coded JSON error.
    The admin keeps Django's debug page in development."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 500 or "json" in response.get("Content-Type", ""):
            return response
        if settings.DEBUG and request.path_info.startswith("/admin/"):
            return response
        from core.errors import ErrorCode
        from core.views import coded_json

        code = ErrorCode.DATABASE_UNAVAILABLE if response.status_code == 503 else ErrorCode.INTERNAL_ERROR
        return coded_json(response.status_code, code)
