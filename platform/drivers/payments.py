"""Payment providers behind the exam fee's QR code.

The platform never trusts a client saying "paid": an order becomes paid only on the provider's signed
callback (`drivers.services.payment_callback_receive`). A provider turns an order into the QR payload the
applicant scans and verifies the notifications it sends. The sandbox provider (the only one here: no real
provider is reachable) signs its notifications with HMAC-SHA256 under a key only the platform knows, so
tests and the demo can play the provider's part and a forged callback is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.conf import settings

from core.errors import DomainError, ErrorCode

SIGNATURE_HEADER = "X-Sandbox-Signature"
MAX_TRADE_NO = 40  # PaymentOrder.out_trade_no
MAX_TRANSACTION_ID = 64  # PaymentOrder.provider_transaction_id


@dataclass(frozen=True)
class Notification:
    """A verified provider notification: the order paid, by which transaction, for how much."""

    out_trade_no: str
    transaction_id: str
    amount: Decimal
    status: str  # "SUCCESS" for a payment


class PaymentProvider(Protocol):
    name: str

    def qr_payload(self, *, out_trade_no: str, amount: Decimal, description: str) -> str: ...

    def verify(self, *, body: bytes, headers: dict[str, str]) -> Notification: ...


class SandboxProvider:
    """A provider played by the platform itself: JSON notifications signed with HMAC-SHA256."""

    name = "sandbox"

    def _key(self) -> bytes:
        configured = settings.DRIVER_SANDBOX_PAYMENT_KEY
        if configured:
            return str(configured).encode()
        return hashlib.sha256(f"drivers.sandbox-payments:{settings.SECRET_KEY}".encode()).digest()

    def sign(self, body: bytes) -> str:
        return hmac.new(self._key(), body, hashlib.sha256).hexdigest()

    def qr_payload(self, *, out_trade_no: str, amount: Decimal, description: str) -> str:
        return f"sandbox://pay?out_trade_no={out_trade_no}&amount={amount}&subject={description}"

    def notification(
        self, *, out_trade_no: str, amount: Decimal, transaction_id: str, status: str = "SUCCESS"
    ) -> tuple[bytes, dict[str, str]]:
        """What the sandbox sends when the applicant has paid: the body and its signature header."""
        body = json.dumps(
            {"out_trade_no": out_trade_no, "transaction_id": transaction_id, "amount": str(amount), "status": status},
            sort_keys=True,
        ).encode()
        return body, {SIGNATURE_HEADER: self.sign(body)}

    def verify(self, *, body: bytes, headers: dict[str, str]) -> Notification:
        given = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), "")
        # Compared as bytes: a header with characters outside ASCII is a wrong signature, not a crash.
        if not given or not hmac.compare_digest(str(given).encode("utf-8", "replace"), self.sign(body).encode()):
            raise DomainError(ErrorCode.PAYMENT_SIGNATURE_INVALID)
        try:
            # JSON numbers are read as Decimal, never float: 133.000000000000000001 is not 133.00.
            data: Any = json.loads(body, parse_float=Decimal)
            note = Notification(
                out_trade_no=str(data["out_trade_no"]),
                transaction_id=str(data["transaction_id"]).strip(),
                amount=_amount(data["amount"]),
                status=str(data["status"]),
            )
        except (ValueError, KeyError, TypeError, InvalidOperation):
            raise DomainError(ErrorCode.INVALID_INPUT) from None
        if not 0 < len(note.transaction_id) <= MAX_TRANSACTION_ID or not 0 < len(note.out_trade_no) <= MAX_TRADE_NO:
            raise DomainError(ErrorCode.INVALID_INPUT)
        return note


def _amount(value: Any) -> Decimal:
    """A notification's amount, exactly: a decimal string or a JSON number already parsed as Decimal."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise TypeError("amount")
    amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    if not amount.is_finite():
        raise InvalidOperation("amount")
    return amount


PROVIDERS: dict[str, PaymentProvider] = {"sandbox": SandboxProvider()}


def payment_provider(name: str | None = None) -> PaymentProvider:
    try:
        return PROVIDERS[name or settings.DRIVER_PAYMENT_PROVIDER]
    except KeyError:
        raise DomainError(ErrorCode.NOT_FOUND, field="provider") from None
