"""driver_account_register (seed 002 注册账号): the ID number is the login (no separate username), phone and SMS
code, consent to the agreement and privacy policy recorded with its version, in the same transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts.models import User
from accounts.services import account_find, verification_code_send
from core.errors import DomainError, ErrorCode
from drivers.models import ConsentRecord
from drivers.services import driver_account_register
from tenants.context import province_scope
from tests.support.accounts import last_code
from tests.support.drivers import id_number_for

pytestmark = pytest.mark.django_db

PHONE = "13711112222"


def _register(tenant: Any, **changes: Any) -> User:
    values = {"id_number": id_number_for(date(1980, 1, 1)), "real_name": "李强", "phone": PHONE, "sms_code": "",
              "password": "Driver_123", "password_confirmation": "Driver_123", "consent_accepted": True,
              "consent_version": "2021-03", **changes}
    with province_scope(tenant):
        if not values["sms_code"]:
            verification_code_send(phone=values["phone"])
            values["sms_code"] = last_code(values["phone"])
        return driver_account_register(**values)


def test_the_id_number_is_the_login_and_consent_is_recorded(yunnan: Any) -> None:
    number = id_number_for(date(1980, 1, 1))
    user = _register(yunnan, id_number=number.lower())
    with province_scope(yunnan):
        assert (user.username, user.id_number, user.real_name) == (number, number, "李强")
        assert account_find(account=number) == user
        assert sorted(ConsentRecord.objects.filter(user=user).values_list("document", "version")) == [
            ("privacy_policy", "2021-03"), ("service_agreement", "2021-03")]


def test_consent_and_the_current_version_are_required(yunnan: Any) -> None:
    for changes, code in (({"consent_accepted": False}, ErrorCode.CONSENT_REQUIRED),
                          ({"consent_version": "2019-01"}, ErrorCode.CONSENT_VERSION_OUTDATED)):
        with pytest.raises(DomainError) as caught:
            _register(yunnan, sms_code="000000", **changes)
        assert caught.value.code == code
    with province_scope(yunnan):
        assert not User.objects.filter(phone=PHONE).exists()


def test_an_id_number_registers_once(yunnan: Any) -> None:
    number = id_number_for(date(1982, 2, 2))
    _register(yunnan, id_number=number)
    with pytest.raises(DomainError) as caught:
        _register(yunnan, id_number=number, phone="13711113333")
    assert caught.value.code == ErrorCode.ID_NUMBER_TAKEN
    with pytest.raises(DomainError) as caught:
        _register(yunnan, id_number="41010219820202000X", phone="13711114444")
    assert caught.value.code == ErrorCode.ID_NUMBER_INVALID
