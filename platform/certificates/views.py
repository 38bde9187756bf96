"""What a certificate's QR code opens (`/verify?number=…`, national scope): a page for a person's browser
(`Accept: text/html`), the same facts as JSON for programs (any other Accept, e.g. `*/*` or JSON)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from certificates.selectors import Verification, certificate_verify
from pages.headers import not_embeddable

STATUS_LABELS = {
    "valid": "有效",
    "expired": "已过期",
    "lapsed": "已失效（超期未延续）",
    "cancelled": "已注销",
    "transferred": "已转出",
    "revoked": "已吊销",
}
# How the page colours the verdict: only a valid certificate is green.
STATUS_TONES = {"valid": "ok", "expired": "warn", "transferred": "warn"}
MOVE_STATE_LABELS = {"approved": "已转入", "submitted": "转入审核中", "under_review": "转入审核中"}


def _wants_html(request: HttpRequest) -> bool:
    # JSON first: programs sending */* (curl, scripts) keep getting JSON; browsers ask for text/html by name.
    return request.get_preferred_type(["application/json", "text/html"]) == "text/html"


def _json(verification: Verification | None) -> JsonResponse:
    if verification is None:
        return JsonResponse({"found": False, "code": "CERTIFICATE_NOT_FOUND"}, status=404)
    record = verification.record
    return JsonResponse(
        {
            "found": True,
            "number": record.number,
            "status": verification.status,
            "statusReason": record.status_reason,
            "holderName": record.holder_name_masked,
            "idNumber": record.id_number_masked,
            "category": record.category_name,
            "employer": record.employer,
            "province": record.province_name,
            "validFrom": record.valid_from.isoformat(),
            "validUntil": record.valid_until.isoformat(),
            "transferredTo": record.transferred_to,
            "transferredFrom": record.transferred_from,
            "moves": [
                {"from": move.from_province_name, "to": move.to_province_name, "state": move.state,
                 "at": move.created_at.isoformat()}
                for move in verification.moves
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _page(request: HttpRequest, number: str, verification: Verification | None) -> HttpResponse:
    context: dict[str, Any] = {"number": number, "verification": verification}
    if verification is not None:
        context["status_label"] = STATUS_LABELS.get(verification.status, verification.status)
        context["tone"] = STATUS_TONES.get(verification.status, "bad")
        context["moves"] = [
            {"move": move, "label": MOVE_STATE_LABELS.get(move.state, move.state)} for move in verification.moves
        ]
    status = 404 if number and verification is None else 200
    return not_embeddable(render(request, "pages/verify.html", context, status=status))


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("number", "").strip()
    verification = certificate_verify(number=number) if number else None
    response = _page(request, number, verification) if _wants_html(request) else _json(verification)
    response["Cache-Control"] = "no-cache"
    patch_vary_headers(response, ["Accept"])
    return response
