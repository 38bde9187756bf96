"""Exam fees (seed 002) through the payment provider interface: 133 yuan for two attempts of each subject,
paid only on a verified, signed callback to `POST /payments/sandbox/callback`; duplicate callbacks are
idempotent; forged ones, late ones after cancellation, wrong amounts and a second order are refused."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from core.errors import DomainError, ErrorCode
from drivers.fees import attempt_fee, initial_fee, retake_fee
from drivers.models import PaymentCallback, PaymentOrder, Progress
from drivers.payments import SIGNATURE_HEADER, SandboxProvider
from drivers.services import driver_payment_order_cancel, driver_payment_order_create
from tenants.context import province_scope
from tests.support.drivers import qualified_passenger, sandbox_callback

pytestmark = pytest.mark.django_db


def _post(body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    client = Client(HTTP_HOST="yunnan.localhost")
    response = client.post("/payments/sandbox/callback", body, content_type="application/json", headers=headers)
    return response.status_code, json.loads(response.content)


def test_fees_are_exact_decimals() -> None:
    assert initial_fee() == Decimal("133.00")
    assert (retake_fee("theory"), retake_fee("practical")) == (Decimal("25.50"), Decimal("41.00"))
    assert [attempt_fee("theory", n) for n in (1, 2, 3, 4)] == [0, 0, Decimal("25.50"), Decimal("25.50")]
    assert attempt_fee("practical", 3) == Decimal("41.00")


def test_paid_only_on_a_signed_callback_and_duplicates_change_nothing(yunnan: Any, storage_root: Path) -> None:
    user, _, application = qualified_passenger(yunnan, "drv_pay")
    with province_scope(yunnan):
        order = driver_payment_order_create(actor=user, application_id=application.pk)
        again = driver_payment_order_create(actor=user, application_id=application.pk)
    assert again.pk == order.pk  # the same QR code while it waits
    assert order.amount == Decimal("133.00") and order.qr_payload.startswith("sandbox://pay?")
    assert (order.theory_attempts, order.practical_attempts) == (2, 2)

    # a forged callback (signed with another key, or tampered after signing) is refused and changes nothing
    body, headers = sandbox_callback(order.out_trade_no, "133.00")
    status, answer = _post(body, {SIGNATURE_HEADER: "0" * 64})
    assert (status, answer["code"]) == (400, "PAYMENT_SIGNATURE_INVALID")
    tampered = body.replace(b"133.00", b"1.00")
    status, answer = _post(tampered, headers)
    assert (status, answer["code"]) == (400, "PAYMENT_SIGNATURE_INVALID")
    with province_scope(yunnan):
        assert PaymentOrder.objects.get(pk=order.pk).status == PaymentOrder.Status.PENDING

    # the real one pays; its repeat answers the same and changes nothing
    status, answer = _post(body, headers)
    assert (status, answer["code"], answer["outcome"]) == (200, "SUCCESS", "paid")
    status, answer = _post(body, headers)
    assert (status, answer["code"], answer["outcome"]) == (200, "SUCCESS", "duplicate")
    with province_scope(yunnan):
        application.refresh_from_db()
        assert application.progress == Progress.EXAMS and application.fee_paid_at is not None
        assert (application.theory_attempts_paid, application.practical_attempts_paid) == (2, 2)
        assert list(PaymentCallback.objects.values_list("outcome", flat=True).order_by("id")) == [
            "PAYMENT_SIGNATURE_INVALID", "PAYMENT_SIGNATURE_INVALID", "paid", "duplicate"]
        # paying twice must not happen: no second order while one is paid and its attempts remain
        with pytest.raises(DomainError) as caught:
            driver_payment_order_create(actor=user, application_id=application.pk)
        assert caught.value.code == ErrorCode.FEE_ALREADY_PAID


def test_late_callback_after_cancellation_and_wrong_amount_are_refused(yunnan: Any, storage_root: Path) -> None:
    user, _, application = qualified_passenger(yunnan, "drv_late")
    with province_scope(yunnan):
        first = driver_payment_order_create(actor=user, application_id=application.pk)
        driver_payment_order_cancel(actor=user, order_id=first.pk)
        with pytest.raises(DomainError) as caught:
            driver_payment_order_cancel(actor=user, order_id=first.pk)
        assert caught.value.code == ErrorCode.PAYMENT_ORDER_NOT_PENDING
        second = driver_payment_order_create(actor=user, application_id=application.pk)
    assert second.pk != first.pk
    status, answer = _post(*sandbox_callback(first.out_trade_no, "133.00"))
    assert (status, answer["code"]) == (400, "PAYMENT_ORDER_CANCELLED")
    status, answer = _post(*sandbox_callback(second.out_trade_no, "13.30"))
    assert (status, answer["code"]) == (400, "PAYMENT_AMOUNT_MISMATCH")
    with province_scope(yunnan):
        application.refresh_from_db()
        assert application.progress == Progress.FEE_DUE and application.theory_attempts_paid == 0
    status, answer = _post(*sandbox_callback(second.out_trade_no, "133.00"))
    assert (status, answer["outcome"]) == (200, "paid")
    # a different transaction for an order already paid is a second payment: refused (refund it)
    status, answer = _post(*sandbox_callback(second.out_trade_no, "133.00", transaction_id="SBX-OTHER"))
    assert (status, answer["code"]) == (400, "FEE_ALREADY_PAID")
    with province_scope(yunnan):
        assert PaymentOrder.objects.filter(application=application, status="paid").count() == 1


def test_the_callback_endpoint_accepts_only_post(yunnan: Any) -> None:
    response = Client(HTTP_HOST="yunnan.localhost").get("/payments/sandbox/callback")
    assert response.status_code == 405


def test_a_transaction_reused_for_another_order_is_refused(yunnan: Any, storage_root: Path) -> None:
    # Given two applicants with an order each, the first paid by transaction SBX-ONE
    first_user, _, first_app = qualified_passenger(yunnan, "drv_reuse_a")
    second_user, _, second_app = qualified_passenger(yunnan, "drv_reuse_b")
    with province_scope(yunnan):
        first = driver_payment_order_create(actor=first_user, application_id=first_app.pk)
        second = driver_payment_order_create(actor=second_user, application_id=second_app.pk)
    status, answer = _post(*sandbox_callback(first.out_trade_no, "133.00", transaction_id="SBX-ONE"))
    assert (status, answer["outcome"]) == (200, "paid")
    # When a signed notification claims the same transaction paid the second order
    status, answer = _post(*sandbox_callback(second.out_trade_no, "133.00", transaction_id="SBX-ONE"))
    # Then it is refused with its code, the second order stays unpaid, and the refusal is logged
    assert (status, answer["code"]) == (400, "PAYMENT_TRANSACTION_REUSED")
    with province_scope(yunnan):
        assert PaymentOrder.objects.get(pk=second.pk).status == PaymentOrder.Status.PENDING
        second_app.refresh_from_db()
        assert second_app.progress == Progress.FEE_DUE and second_app.theory_attempts_paid == 0
        assert PaymentCallback.objects.order_by("-id").values_list("outcome", flat=True)[0] == (
            "PAYMENT_TRANSACTION_REUSED")
    # and the first order's duplicate notification is still answered as a duplicate
    status, answer = _post(*sandbox_callback(first.out_trade_no, "133.00", transaction_id="SBX-ONE"))
    assert (status, answer["outcome"]) == (200, "duplicate")


def test_the_amount_is_read_as_an_exact_decimal_never_a_float(yunnan: Any, storage_root: Path) -> None:
    # Given an order of 133.00 and a signed notification whose amount is a JSON number a float rounds to 133
    user, _, application = qualified_passenger(yunnan, "drv_float")
    with province_scope(yunnan):
        order = driver_payment_order_create(actor=user, application_id=application.pk)
    provider = SandboxProvider()
    body = _raw_notification(order.out_trade_no, "133.000000000000000001", "SBX-F")
    # When it arrives, Then the amount is compared exactly: it does not match the order
    status, answer = _post(body, {SIGNATURE_HEADER: provider.sign(body)})
    assert (status, answer["code"]) == (400, "PAYMENT_AMOUNT_MISMATCH")
    exact = _raw_notification(order.out_trade_no, "133.00", "SBX-EXACT")
    status, answer = _post(exact, {SIGNATURE_HEADER: provider.sign(exact)})
    assert (status, answer["outcome"]) == (200, "paid")
    with province_scope(yunnan):
        assert PaymentOrder.objects.get(pk=order.pk).status == PaymentOrder.Status.PAID


def _raw_notification(out_trade_no: str, amount_number: str, transaction_id: str) -> bytes:
    """A notification body whose amount is a bare JSON number written exactly as `amount_number`."""
    head = json.dumps({"out_trade_no": out_trade_no, "status": "SUCCESS", "transaction_id": transaction_id})
    return (head[:-1] + ', "amount": ' + amount_number + "}").encode()


def test_a_signature_with_non_ascii_characters_is_refused_not_a_crash(yunnan: Any, storage_root: Path) -> None:
    # Given an order and its notification
    user, _, application = qualified_passenger(yunnan, "drv_latin")
    with province_scope(yunnan):
        order = driver_payment_order_create(actor=user, application_id=application.pk)
    body, _ = sandbox_callback(order.out_trade_no, "133.00")
    # When the signature header holds characters outside ASCII, Then it is a refused signature, logged
    status, answer = _post(body, {SIGNATURE_HEADER: "é" * 64})
    assert (status, answer["code"]) == (400, "PAYMENT_SIGNATURE_INVALID")
    with province_scope(yunnan):
        assert PaymentOrder.objects.get(pk=order.pk).status == PaymentOrder.Status.PENDING


def test_a_notification_with_an_oversized_transaction_id_is_refused(yunnan: Any, storage_root: Path) -> None:
    user, _, application = qualified_passenger(yunnan, "drv_long")
    with province_scope(yunnan):
        order = driver_payment_order_create(actor=user, application_id=application.pk)
    status, answer = _post(*sandbox_callback(order.out_trade_no, "133.00", transaction_id="T" * 65))
    assert (status, answer["code"]) == (400, "INVALID_INPUT")
    with province_scope(yunnan):
        assert PaymentOrder.objects.get(pk=order.pk).status == PaymentOrder.Status.PENDING
