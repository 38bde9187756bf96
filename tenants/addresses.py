"""Absolute URLs of a province's pages for people to open (QR codes), in the address form its caller used.

Built from PLATFORM_PUBLIC_BASE_URL (scheme, port, path), never from whatever Host a request carried, except
a portal's own domain, which is a registered Domain row (the request only got here if it is one):
- the province's host (`yunnan.<base>`) → `<scheme>://yunnan.<base domain>[:<port of the public base>]/…`;
- a portal's own domain → that domain, with the public base's scheme;
- the `/p/<slug>/` prefix, the `X-Province` header (a scanner cannot send one), or no request at all →
  `<public base URL>/p/<slug>/…`, which works on any deployment.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from tenants.context import current_province
from tenants.routing import _normalise_host


def province_public_url(path: str, *, request: Any = None) -> str:
    """`path` ("/verify/…?…", relative to the province's root) as an absolute URL in the current province."""
    province = current_province()
    base = urlsplit(settings.PUBLIC_BASE_URL)
    host = _normalise_host(request.get_host()) if request is not None and hasattr(request, "get_host") else ""
    if host and not _prefixed(request) and host not in settings.NATIONAL_HOSTS:
        if host == f"{province.slug}.{settings.BASE_DOMAIN}":
            port = f":{base.port}" if base.port else ""
            return f"{base.scheme}://{host}{port}{base.path.rstrip('/')}{path}"
        if not host.endswith("." + settings.BASE_DOMAIN):  # a portal's own (registered) domain
            return f"{base.scheme}://{host}{path}"
    return f"{settings.PUBLIC_BASE_URL}/p/{province.slug}{path}"


def _prefixed(request: Any) -> bool:
    """Whether the request addressed its province with the /p/<slug>/ path prefix (`path` keeps it; the
    province middleware strips it from `path_info` only)."""
    full = getattr(request, "path", "")
    return isinstance(full, str) and full.startswith("/p/")
