"""Issue 17, defect 9: nobody learns whether an account, phone or ID number exists without owning it.

Attacks: `accountRegister` with a wrong SMS code answered USERNAME_TAKEN / ID_NUMBER_TAKEN for existing
accounts (41 tries/s, no limit); `passwordRecoveryStart` answered CONTACT_NOT_AVAILABLE vs NOT_FOUND.
Now the code is checked first, unknown and known accounts get the same answer, and both are rate-limited
per client address.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

from accounts.models import Role, User
from accounts.services import (
    account_register,
    captcha_issue,
    password_recovery_code_send,
    password_recovery_complete,
    password_recovery_start,
    verification_code_send,
)
from core.errors import DomainError, DomainErrors
from tenants.context import province_scope
from tests.support.accounts import last_code
from tests.support.auth import make_account

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
OTHER_ID = "110105198001010016"


@pytest.fixture
def in_yunnan(yunnan: object) -> Iterator[None]:
    with province_scope(yunnan):
        yield


def _codes(call: Any) -> list[str]:
    try:
        call()
    except DomainError as error:
        return sorted(e.code.value for e in (error.errors if isinstance(error, DomainErrors) else [error]))
    return []


def _register(username: str, id_number: str, sms_code: str = "000000", address: str = "") -> Any:
    return lambda: account_register(
        username=username, password="Secret_123", password_confirmation="Secret_123", phone="13900139000",
        sms_code=sms_code, id_number=id_number, client_address=address,
    )


def test_a_wrong_code_says_the_same_for_known_and_unknown_accounts(yunnan: Any, in_yunnan: None) -> None:
    # given an existing account with a username and an ID number
    User.objects.create(username="li_si_2026", id_number=ID_NUMBER, roles=[Role.CANDIDATE])
    verification_code_send(phone="13900139000")
    # when someone registers with a wrong code, once with the taken username / ID, once with free ones
    taken = _codes(_register("li_si_2026", ID_NUMBER))
    free = _codes(_register("wang_wu_2026", OTHER_ID))
    # then both answers are the same: only the code is wrong
    assert taken == free == ["VERIFICATION_CODE_INVALID"]


def test_each_taken_answer_costs_a_try_of_the_code(yunnan: Any, in_yunnan: None) -> None:
    User.objects.create(username="li_si_2026", id_number=ID_NUMBER, roles=[Role.CANDIDATE])
    verification_code_send(phone="13900139000")
    code = last_code("13900139000")
    answers = [_codes(_register(f"probe_{i}_name", ID_NUMBER, sms_code=code)) for i in range(6)]
    assert answers[:5] == [["ID_NUMBER_TAKEN"]] * 5
    assert answers[5] == ["VERIFICATION_CODE_TOO_MANY_ATTEMPTS"]  # the code is burned: no more probing


def test_registration_attempts_are_rate_limited_per_address(yunnan: Any, in_yunnan: None) -> None:
    limit = settings.PLATFORM_REGISTER_PER_ADDRESS_PER_HOUR
    answers = [_codes(_register("wang_wu_2026", OTHER_ID, address="203.0.113.9")) for _ in range(limit + 1)]
    assert answers[:limit] == [["VERIFICATION_CODE_INVALID"]] * limit
    assert answers[limit] == ["RATE_LIMITED"]


def _start(account: str, address: str = "") -> Any:
    captcha = captcha_issue(text="K7YZ")
    return password_recovery_start(account=account, captcha_id=str(captcha.id), captcha_answer="K7YZ",
                                   client_address=address)


def test_recovery_answers_alike_for_unknown_known_and_contactless_accounts(yunnan: Any, in_yunnan: None) -> None:
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE], phone="15112341180")
    make_account(yunnan, username="no_contact", roles=[Role.CANDIDATE])
    known, unknown, contactless = _start("zhang_san"), _start("nobody_here"), _start("no_contact")
    for start in (known, unknown, contactless):
        assert start.key and [o.channel for o in start.options] == ["sms"]
        assert len(start.options[0].masked) == len("151****1180") and "****" in start.options[0].masked
    assert known.options[0].masked == "151****1180"
    assert _start("nobody_here").options[0].masked == unknown.options[0].masked  # stable, not random
    # step 2 pretends to send, step 3 finds the code wrong, like a real recovery with a wrong code
    assert password_recovery_code_send(recovery_key=unknown.key, channel="sms")
    assert _codes(lambda: password_recovery_complete(
        recovery_key=unknown.key, code="123456", new_password="New_pass_2026",
        new_password_confirmation="New_pass_2026",
    )) == ["VERIFICATION_CODE_INVALID"]


def test_recovery_is_rate_limited_per_address(yunnan: Any, in_yunnan: None) -> None:
    limit = settings.PLATFORM_RECOVERY_PER_ADDRESS_PER_HOUR
    for _ in range(limit):
        _start("nobody_here", address="203.0.113.7")
    assert _codes(lambda: _start("nobody_here", address="203.0.113.7")) == ["RATE_LIMITED"]
