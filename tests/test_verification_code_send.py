"""Verification codes: 6 digits, stored as a hash, one per 60 s, rate limits per number and per address."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import VerificationCode
from accounts.services import CODE_LIFETIME, verification_code_send
from core.errors import DomainError, ErrorCode
from tenants.context import province_scope
from tests.support.accounts import last_code, sent_messages
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

PHONE = "15112341180"


@pytest.fixture
def in_yunnan(yunnan: object) -> Iterator[None]:
    with province_scope(yunnan):
        yield


@pytest.mark.django_db
def test_a_code_of_six_digits_is_sent_and_only_its_hash_is_stored(in_yunnan: None) -> None:
    # When a code is requested for a number written with +86 and separators
    expires_at = verification_code_send(phone="+86 151-1234-1180", client_address="10.0.0.1")
    # Then the sender got a 6-digit code for the normalised number, valid for 5 minutes
    code = last_code(PHONE)
    assert len(code) == 6 and code.isdigit()
    row = VerificationCode.objects.get(destination=PHONE)
    assert expires_at == row.expires_at == row.created_at + CODE_LIFETIME
    # And the stored row does not contain the code
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.client_address == "10.0.0.1"


@pytest.mark.django_db
def test_an_invalid_number_gets_no_code(in_yunnan: None) -> None:
    with pytest.raises(DomainError) as refused:
        verification_code_send(phone="12345678901")
    assert refused.value.code == ErrorCode.PHONE_INVALID
    assert sent_messages("12345678901") == []


@pytest.mark.django_db
def test_a_resend_within_60_seconds_is_refused_with_until_and_allowed_after(in_yunnan: None) -> None:
    start = timezone.now()
    verification_code_send(phone=PHONE, now=start)
    # When the same number asks again 59 s later
    with pytest.raises(DomainError) as refused:
        verification_code_send(phone=PHONE, now=start + timedelta(seconds=59))
    # Then it is refused and told when it may ask again
    assert refused.value.code == ErrorCode.VERIFICATION_CODE_RESEND_TOO_SOON
    assert refused.value.params["until"] == (start + timedelta(seconds=60)).isoformat()
    assert len(sent_messages(PHONE)) == 1
    # And at 60 s a new code is sent, which burns the old one
    verification_code_send(phone=PHONE, now=start + timedelta(seconds=60))
    assert len(sent_messages(PHONE)) == 2
    rows = list(VerificationCode.objects.filter(destination=PHONE).order_by("created_at"))
    assert rows[0].burned_at is not None and rows[1].burned_at is None


@pytest.mark.django_db
def test_a_number_gets_at_most_five_codes_an_hour(in_yunnan: None) -> None:
    start = timezone.now()
    for minute in range(5):
        verification_code_send(phone=PHONE, now=start + timedelta(minutes=minute * 2))
    with pytest.raises(DomainError) as refused:
        verification_code_send(phone=PHONE, now=start + timedelta(minutes=30))
    assert refused.value.code == ErrorCode.RATE_LIMITED
    assert refused.value.params["until"] == (start + timedelta(hours=1)).isoformat()
    # An hour after the window opened, the number may ask again
    verification_code_send(phone=PHONE, now=start + timedelta(hours=1))
    assert len(sent_messages(PHONE)) == 6


@pytest.mark.django_db
def test_a_client_address_gets_at_most_twenty_codes_an_hour(in_yunnan: None) -> None:
    start = timezone.now()
    for index in range(20):
        verification_code_send(phone=f"1380000{index:04d}", client_address="203.0.113.9", now=start)
    with pytest.raises(DomainError) as refused:
        verification_code_send(phone="13900000000", client_address="203.0.113.9", now=start)
    assert refused.value.code == ErrorCode.RATE_LIMITED
    # Another address is not affected
    verification_code_send(phone="13900000000", client_address="203.0.113.10", now=start)


@pytest.mark.django_db(transaction=True)
def test_over_http_the_code_is_sent_and_a_second_request_is_too_soon(asgi_server: LiveServer, yunnan: object) -> None:
    query = "mutation($p: String!) { verificationCodeSend(phone: $p) { expiresAt errors { code params } } }"
    status, body = post_graphql(asgi_server.http_url(), query, host="yunnan.localhost", variables={"p": PHONE})
    assert status == 200 and body["data"]["verificationCodeSend"]["errors"] == []
    assert len(last_code(PHONE)) == 6
    _, body = post_graphql(asgi_server.http_url(), query, host="yunnan.localhost", variables={"p": PHONE})
    errors = body["data"]["verificationCodeSend"]["errors"]
    assert errors[0]["code"] == "VERIFICATION_CODE_RESEND_TOO_SOON" and "until" in errors[0]["params"]
    # The code was stored in Yunnan only
    with province_scope(yunnan):
        assert VerificationCode.objects.filter(destination=PHONE).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy(
    asgi_server: LiveServer, yunnan: object, settings: object
) -> None:
    query = "mutation($p: String!) { verificationCodeSend(phone: $p) { errors { code } } }"
    spoof = {"X-Forwarded-For": "198.51.100.77"}
    post_graphql(asgi_server.http_url(), query, host="yunnan.localhost", variables={"p": PHONE}, headers=spoof)
    settings.PLATFORM_TRUSTED_PROXIES = ["127.0.0.1"]  # type: ignore[attr-defined]
    post_graphql(asgi_server.http_url(), query, host="yunnan.localhost", variables={"p": "13900001111"}, headers=spoof)
    with province_scope(yunnan):
        addresses = dict(VerificationCode.objects.values_list("destination", "client_address"))
    assert addresses == {PHONE: "127.0.0.1", "13900001111": "198.51.100.77"}
