"""The payment provider's callback endpoint: `POST /payments/<provider>/callback` on the province's host.

Only a notification whose signature verifies changes anything; the answer is JSON with a code, 200 for a
payment taken (or a repeat of one already taken), 400 for a refusal, so a provider retries only what failed
for a transient reason."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.errors import DomainError, ErrorCode
from drivers.services import payment_callback_receive


@csrf_exempt  # a server-to-server notification, authenticated by its signature instead
@require_POST
def payment_callback(request: HttpRequest, provider: str) -> JsonResponse:
    headers = {key: str(value) for key, value in request.headers.items()}
    try:
        result = payment_callback_receive(provider_name=provider, body=request.body, headers=headers)
    except DomainError as error:
        return JsonResponse({"code": ErrorCode(error.code).value}, status=400)
    return JsonResponse({"code": "SUCCESS", "outcome": result.outcome, "outTradeNo": result.order.out_trade_no})
