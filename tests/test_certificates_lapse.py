"""Lapse: 2 months past expiry without renewal; idempotent, across provinces, notified and audited."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Role
from certificates.models import Certificate
from core.models import AuditEntry
from registry.models import CertificateRecord
from tenants.context import national_scope, province_scope
from tests.support.auth import make_account
from tests.support.certificates import issue_certificate

pytestmark = pytest.mark.django_db(transaction=True)


def test_lapse_marks_only_overdue_certificates_in_every_province_and_is_idempotent(
    yunnan: object, tianjin: object
) -> None:
    # Given certificates valid until 2026-06-30 (lapse day 2026-08-31) and one valid until 2026-07-31
    yn_holder, _ = make_account(yunnan, username="yn_holder", roles=[Role.CANDIDATE])
    tj_holder, _ = make_account(tianjin, username="tj_holder", roles=[Role.CANDIDATE])
    overdue_yn = issue_certificate(yunnan, yn_holder, valid_from=date(2023, 6, 30))
    in_grace_yn = issue_certificate(yunnan, yn_holder, valid_from=date(2023, 7, 31))
    overdue_tj = issue_certificate(tianjin, tj_holder, valid_from=date(2023, 6, 30))
    assert overdue_yn.valid_until == date(2026, 6, 30)

    # When the daily job runs on the day before the lapse day, then on it, then again
    out = StringIO()
    call_command("certificates_lapse", "--on", "2026-08-30", stdout=out)
    call_command("certificates_lapse", "--on", "2026-08-31", stdout=out)
    call_command("certificates_lapse", "--on", "2026-08-31", stdout=out)

    # Then exactly the overdue ones lapsed, once each, in both provinces, and the registry agrees
    with province_scope(yunnan):
        assert Certificate.objects.get(pk=overdue_yn.pk).status == Certificate.Status.LAPSED
        assert Certificate.objects.get(pk=in_grace_yn.pk).status == Certificate.Status.VALID
        assert AuditEntry.objects.filter(action="certificate_lapse").count() == 1
    with province_scope(tianjin):
        assert Certificate.objects.get(pk=overdue_tj.pk).status == Certificate.Status.LAPSED
        assert AuditEntry.objects.filter(action="certificate_lapse").count() == 1
    with national_scope():
        assert CertificateRecord.objects.get(number=overdue_yn.number).status == "lapsed"
        assert CertificateRecord.objects.get(number=in_grace_yn.number).status == "valid"
    assert out.getvalue().count("2 certificate(s) lapsed") == 1
    assert out.getvalue().count("0 certificate(s) lapsed") == 2


def test_numbers_are_unique_across_provinces_and_sequences(yunnan: object, tianjin: object) -> None:
    holder_yn, _ = make_account(yunnan, username="seq_yn", roles=[Role.CANDIDATE])
    holder_tj, _ = make_account(tianjin, username="seq_tj", roles=[Role.CANDIDATE])
    numbers = [issue_certificate(yunnan, holder_yn).number for _ in range(3)]
    numbers += [issue_certificate(tianjin, holder_tj).number for _ in range(3)]
    assert len(set(numbers)) == 6
    assert [n[:2] for n in numbers] == ["53"] * 3 + ["12"] * 3
