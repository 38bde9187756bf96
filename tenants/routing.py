"""Which province a request or WebSocket handshake addresses: by host, by /p/<slug>/ path prefix, or header.

- `yunnan.<base domain>` → Yunnan; a portal's own domain → its province (Domain rows).
- `<base domain>/p/yunnan/...` or the `X-Province: yunnan` header → Yunnan, for portals without a host
  per province.
- `<base domain>` (and `national.<base domain>`, 127.0.0.1) with neither → the national scope.
Anything else is refused with PROVINCE_NOT_FOUND: a request never falls back to the public schema.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django_tenants.postgresql_backend.base import FakeTenant
from django_tenants.utils import get_public_schema_name

from tenants.context import national_scope
from tenants.models import Domain, Province

_PREFIX_RE = re.compile(r"^/p/(?P<slug>[^/]+)(?P<rest>/.*)?$")
_SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_CACHE_SECONDS = 30.0


class NotCached(Exception):
    """`resolve(..., cached_only=True)` would have to read the database."""


class ProvinceNotFound(Exception):
    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"unknown province: {what}")


@dataclass(frozen=True)
class Resolution:
    tenant: Any  # Province, or a FakeTenant for the public schema when no national row exists yet
    path: str  # the path with any /p/<slug> prefix removed
    prefix: str  # "" or "/p/<slug>"

    @property
    def is_national(self) -> bool:
        return str(self.tenant.schema_name) == get_public_schema_name()


class _Cache:
    """Positive lookups only, for a short time: provinces are few and rarely change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str], tuple[float, Any]] = {}

    def get(self, key: tuple[str, str]) -> Any | None:
        with self._lock:
            hit = self._items.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: tuple[str, str], value: Any) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + _CACHE_SECONDS, value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cache = _Cache()


def clear_cache() -> None:
    _cache.clear()


def _cached(key: tuple[str, str], cached_only: bool) -> Any | None:
    """The cached value of `key`, or None to read the database; NotCached instead when it may not."""
    cached = _cache.get(key)
    if cached is None and cached_only:
        raise NotCached(key[1] or key[0])
    return cached


def _normalise_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    if host.startswith("["):  # [::1]:8000
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _province_by_slug(slug: str, cached_only: bool = False) -> Province:
    if not _SLUG_RE.match(slug):
        raise ProvinceNotFound(slug)
    cached = _cached(("slug", slug), cached_only)
    if cached is not None:
        return cached
    with national_scope():
        province = Province.objects.filter(slug=slug, is_active=True, kind=Province.Kind.PROVINCE).first()
    if province is None:
        raise ProvinceNotFound(slug)
    _cache.put(("slug", slug), province)
    return province


def _tenant_by_domain(host: str, cached_only: bool = False) -> Any:
    cached = _cached(("domain", host), cached_only)
    if cached is not None:
        return cached
    with national_scope():
        domain = Domain.objects.select_related("tenant").filter(domain=host, tenant__is_active=True).first()
    if domain is None:
        raise ProvinceNotFound(host)
    _cache.put(("domain", host), domain.tenant)
    return domain.tenant


def _national(cached_only: bool = False) -> Any:
    cached = _cached(("national", ""), cached_only)
    if cached is not None:
        return cached
    with national_scope():
        tenant = Province.objects.filter(schema_name=get_public_schema_name()).first()
    if tenant is None:
        return FakeTenant(schema_name=get_public_schema_name())
    _cache.put(("national", ""), tenant)
    return tenant


def resolve(host: str, path: str, header_slug: str | None = None, *, cached_only: bool = False) -> Resolution:
    """Resolve a request to its province; raise ProvinceNotFound rather than guess.

    `cached_only`: answer from the cache or raise NotCached, never touching the database (so an async caller
    needs no thread hop for the common case)."""
    host = _normalise_host(host)
    base = settings.BASE_DOMAIN
    prefix_match = _PREFIX_RE.match(path)
    path_slug = prefix_match.group("slug").lower() if prefix_match else None
    rest = (prefix_match.group("rest") or "/") if prefix_match else path
    prefix = f"/p/{prefix_match.group('slug')}" if prefix_match else ""
    header_slug = header_slug.strip().lower() if header_slug else None

    if host in settings.NATIONAL_HOSTS:
        slug = path_slug or header_slug
        if slug is None:
            return Resolution(_national(cached_only), path, "")
        if path_slug and header_slug and path_slug != header_slug:
            raise ProvinceNotFound(f"{path_slug}/{header_slug}")
        return Resolution(_province_by_slug(slug, cached_only), rest, prefix)

    if host.endswith("." + base):
        label = host[: -len(base) - 1]
        if "." in label:
            raise ProvinceNotFound(host)
        province = _province_by_slug(label, cached_only)
        # A province host never serves another province through a prefix or header.
        if (path_slug and path_slug != label) or (header_slug and header_slug != label):
            raise ProvinceNotFound(path_slug or header_slug or host)
        return Resolution(province, rest, prefix)

    tenant = _tenant_by_domain(host, cached_only)
    if path_slug and path_slug != tenant.slug:
        raise ProvinceNotFound(path_slug)
    return Resolution(tenant, rest, prefix)


def not_found_payload(error: ProvinceNotFound) -> dict[str, object]:
    return {
        "errors": [
            {
                "message": f"未找到该省份 / Unknown province: {error.what}",
                "extensions": {"code": "PROVINCE_NOT_FOUND"},
            }
        ]
    }
