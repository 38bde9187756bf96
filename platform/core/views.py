"""Plain HTTP views: the health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, in the addressed province's schema."""
    tenant = getattr(request, "tenant", None)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            row = cursor.fetchone()
        schema = row[0] if row else None
    except Exception as error:  # noqa: BLE001 - the point is to report any database failure
        return JsonResponse({"status": "error", "database": type(error).__name__}, status=503)
    return JsonResponse(
        {"status": "ok", "database": "ok", "province": getattr(tenant, "slug", None), "schema": schema}
    )
