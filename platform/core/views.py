"""Plain HTTP views: the health check, and JSON answers where Django would render HTML (CSRF, 500)."""

from __future__ import annotations

import copy
import queue
import threading
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend
from django.http import HttpRequest, JsonResponse

from core.errors import ErrorCode, message_for


def coded_json(status: int, code: ErrorCode, message: str | None = None) -> JsonResponse:
    text = message or f"{message_for(code, language='zh')} / {message_for(code, language='en')}"
    return JsonResponse(
        {"errors": [{"message": text, "extensions": {"code": code.value}}]}, status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _unpooled_default() -> BaseDatabaseWrapper:
    """A connection of the probe's own, outside the pool: a pool waits its whole timeout for a connection a
    refusing database never gives, where the probe must say at once that the database refuses."""
    settings_dict = copy.deepcopy(connections.settings["default"])
    settings_dict.get("OPTIONS", {}).pop("pool", None)
    backend = load_backend(settings_dict["ENGINE"])
    return backend.DatabaseWrapper(settings_dict, "default")


def _health_probe(host: str, path: str, header: str | None) -> dict[str, Any]:
    """Resolve the province and ask the database for its schema: runs in its own thread (and connection)."""
    from tenants.context import province_scope
    from tenants.routing import ProvinceNotFound, resolve

    # connections are per thread: this replaces "default" for the probe's thread only
    connections["default"] = _unpooled_default()
    try:
        try:
            resolution = resolve(host, path, header)
        except ProvinceNotFound as error:
            return {"not_found": error}
        with province_scope(resolution.tenant), connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            row = cursor.fetchone()
        return {"province": getattr(resolution.tenant, "slug", None), "schema": row[0] if row else None}
    except Exception as error:  # noqa: BLE001 - the point is to report any database failure
        return {"error": type(error).__name__}
    finally:
        connections.close_all()


def healthz_response(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability of the addressed province (or the national scope), answered within
    HEALTHZ_TIMEOUT_SECONDS whatever the database does: 503 JSON when it refuses, fails or does not answer.

    Called by the province middleware before anything else touches the database (issue 17)."""
    from tenants.routing import not_found_payload

    answers: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=1)
    host, header = request.get_host(), request.headers.get(settings.PROVINCE_HEADER)
    worker = threading.Thread(
        target=lambda: answers.put(_health_probe(host, request.path_info, header)), name="healthz", daemon=True
    )
    worker.start()
    try:
        answer = answers.get(timeout=settings.HEALTHZ_TIMEOUT_SECONDS)
    except queue.Empty:
        return _unavailable("timeout")
    if "not_found" in answer:
        return JsonResponse(
            not_found_payload(answer["not_found"]), status=404, json_dumps_params={"ensure_ascii": False}
        )
    if "error" in answer:
        return _unavailable(str(answer["error"]))
    return JsonResponse({"status": "ok", "database": "ok", "province": answer["province"], "schema": answer["schema"]})


def _unavailable(what: str) -> JsonResponse:
    return JsonResponse({"status": "error", "database": what, "code": ErrorCode.DATABASE_UNAVAILABLE.value}, status=503)


def healthz(request: HttpRequest) -> JsonResponse:
    """The routed view (the province middleware normally answers /healthz before routing)."""
    return healthz_response(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """CSRF_FAILURE_VIEW: a coded JSON 403 instead of Django's HTML page."""
    return coded_json(403, ErrorCode.CSRF_FAILED)


def server_error(request: HttpRequest) -> JsonResponse:
    """handler500: a coded JSON 500 instead of Django's HTML page."""
    return coded_json(500, ErrorCode.INTERNAL_ERROR)
