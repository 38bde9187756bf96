"""The page a certificate's QR code opens: public verification as JSON, on the national scope."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from certificates.selectors import certificate_verify


def verify(request: HttpRequest) -> JsonResponse:
    verification = certificate_verify(number=request.GET.get("number", ""))
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
        },
        json_dumps_params={"ensure_ascii": False},
    )
