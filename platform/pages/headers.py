"""Security headers of the pages people open: what may frame them, what they may load."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Scripts, styles and the API come from the platform itself; photos may be data: URLs.
_BASE_POLICY = "default-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'"


def embeddable(response: HttpResponse, request: HttpRequest) -> HttpResponse:
    """The seat board: framed by the platform itself and the portals allowed by PLATFORM_EMBED_ALLOWED_ORIGINS."""
    origins = " ".join(settings.EMBED_ALLOWED_ORIGINS)
    # Its own WebSocket, named: browsers before CSP level 3 do not count ws(s): of this host as 'self'.
    host = request.get_host()
    sockets = f"connect-src 'self' ws://{host} wss://{host}"
    policy = _BASE_POLICY.replace("connect-src 'self'", sockets)
    response["Content-Security-Policy"] = f"{policy}; frame-ancestors 'self' {origins}".rstrip()
    if settings.EMBED_ALLOWED_ORIGINS:
        # X-Frame-Options cannot name other origins; browsers that know frame-ancestors ignore it anyway.
        response.xframe_options_exempt = True
    else:
        response["X-Frame-Options"] = "SAMEORIGIN"
    response["Referrer-Policy"] = "same-origin"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def not_embeddable(response: HttpResponse) -> HttpResponse:
    """Verification pages: never framed (someone else's page must not dress them up)."""
    response["Content-Security-Policy"] = f"{_BASE_POLICY}; frame-ancestors 'none'"
    response["X-Frame-Options"] = "DENY"
    # Not no-referrer: Chrome then sends `Origin: null` with the page's own form posts, which CSRF refuses.
    response["Referrer-Policy"] = "same-origin"
    response["X-Content-Type-Options"] = "nosniff"
    return response
