"""Admission tickets: seat numbers unique and stable per session, the ticket only within its window, and
a QR code whose signed token staff verify (forged or foreign tokens are TICKET_INVALID)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import signing
from django.utils import timezone

from core.errors import DomainError, ErrorCode
from exams.models import ExamPlan
from exams.tickets import SALT, admission_ticket_get, admission_ticket_pdf, admission_ticket_verify
from tenants.context import province_scope
from tests.support.exam_flow import approved_registration
from tests.support.exams import make_candidate, make_plan, reviewers

pytestmark = pytest.mark.django_db


def _qr_texts(document: bytes) -> list[str]:
    import pypdfium2 as pdfium
    import zxingcpp

    image = pdfium.PdfDocument(document)[0].render(scale=3).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_seat_numbers_and_the_ticket_with_a_verifiable_qr_code(yunnan: Any, tianjin: Any) -> None:
    setup = make_plan(yunnan, capacity=5)
    (site, _), (exam, _) = reviewers(yunnan, "tk")
    first, _ = make_candidate(yunnan, "tk_first", index=41)
    second, _ = make_candidate(yunnan, "tk_second", index=42)
    with province_scope(yunnan):
        a = approved_registration(setup, first, site, exam)
        b = approved_registration(setup, second, site, exam)
        assert (a.seat_number, b.seat_number) == (1, 2)
        assert a.ticket_number != b.ticket_number

        ticket = admission_ticket_get(actor=first, registration_id=a.pk)
        assert (ticket.seat_number, ticket.site_name) == (1, "城市客运考点")
        assert ticket.subject_name == setup.subjects[0].name
        assert ticket.id_number_masked and "*" in ticket.id_number_masked
        with pytest.raises(DomainError) as caught:
            admission_ticket_get(actor=second, registration_id=a.pk)
        assert caught.value.code == ErrorCode.NOT_FOUND

        pdf = admission_ticket_pdf(ticket)
        assert pdf.startswith(b"%PDF")
        assert _qr_texts(pdf) == [ticket.verify_url]

        verified = admission_ticket_verify(actor=site, token=ticket.verify_url)
        assert (verified.registration.pk, verified.ticket_number) == (a.pk, a.ticket_number)
        for bad in (ticket.verify_token[:-2] + "xx", signing.dumps({"s": "yunnan", "r": a.pk, "t": "1"}, salt=SALT)):
            with pytest.raises(DomainError) as caught:
                admission_ticket_verify(actor=site, token=bad)
            assert caught.value.code == ErrorCode.TICKET_INVALID
        with pytest.raises(DomainError) as caught:
            admission_ticket_verify(actor=first, token=ticket.verify_token)
        assert caught.value.code == ErrorCode.PERMISSION_DENIED
        token = ticket.verify_token
    with province_scope(tianjin), pytest.raises(DomainError) as caught:
        admission_ticket_verify(actor=site, token=token)
    assert caught.value.code == ErrorCode.TICKET_INVALID


def test_the_ticket_is_only_available_within_its_window_and_once_approved(yunnan: Any) -> None:
    setup = make_plan(yunnan, ticket_open=False)
    (site, _), (exam, _) = reviewers(yunnan, "tw")
    candidate, _ = make_candidate(yunnan, "tw_cand", index=43)
    with province_scope(yunnan):
        from exams.services import RegistrationChoice, registration_submit

        pending = registration_submit(
            actor=candidate, choice=RegistrationChoice(setup.plan.pk, setup.subjects[1].pk, setup.session.pk),
            pledge_accepted=True,
        )
        approved = approved_registration(setup, candidate, site, exam)
        for registration_id in (pending.pk, approved.pk):
            with pytest.raises(DomainError) as caught:
                admission_ticket_get(actor=candidate, registration_id=registration_id)
            assert caught.value.code == ErrorCode.TICKET_NOT_AVAILABLE
        ExamPlan.objects.filter(pk=setup.plan.pk).update(ticket_opens_at=timezone.now() - timedelta(minutes=1))
        assert admission_ticket_get(actor=candidate, registration_id=approved.pk).seat_number == 1
        ExamPlan.objects.filter(pk=setup.plan.pk).update(ticket_closes_at=timezone.now() - timedelta(seconds=1))
        with pytest.raises(DomainError) as caught:
            admission_ticket_get(actor=candidate, registration_id=approved.pk)
        assert caught.value.code == ErrorCode.TICKET_NOT_AVAILABLE
