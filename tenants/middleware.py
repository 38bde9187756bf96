"""HTTP: enter the addressed province for the whole request, or answer 404 without touching any schema."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import get_script_prefix, set_script_prefix

from tenants import context
from tenants.routing import ProvinceNotFound, not_found_payload, resolve

_HEALTHZ_RE = re.compile(r"^(/p/[^/]+)?/healthz/?$")


class ProvinceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _HEALTHZ_RE.match(request.path_info):
            # Before any database work: /healthz answers JSON within its deadline whatever the database does.
            from core.views import healthz_response

            return healthz_response(request)
        try:
            resolution = resolve(
                request.get_host(), request.path_info, request.headers.get(settings.PROVINCE_HEADER)
            )
        except ProvinceNotFound as error:
            return JsonResponse(not_found_payload(error), status=404, json_dumps_params={"ensure_ascii": False})
        except DatabaseError:
            # The province registry is unreachable (refused, timed out): a coded JSON 503, never an HTML 500.
            from core.errors import ErrorCode
            from core.views import coded_json

            return coded_json(503, ErrorCode.DATABASE_UNAVAILABLE)

        if resolution.prefix:
            # /p/yunnan/graphql/ is served as /graphql/, and reverse() keeps the prefix in links.
            request.path_info = resolution.path
            set_script_prefix(get_script_prefix().rstrip("/") + resolution.prefix + "/")
        request.tenant = resolution.tenant  # type: ignore[attr-defined]
        request.urlconf = settings.PUBLIC_SCHEMA_URLCONF if resolution.is_national else settings.ROOT_URLCONF
        token = context.activate(resolution.tenant)
        try:
            return self.get_response(request)
        finally:
            context.deactivate(token)
