"""Driver qualification tests: applicants with real ID numbers, real uploaded scans and photos, staff, the
application form's values, sandbox payment callbacks."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role, User
from core.identity import id_number_check_digit
from drivers.models import ApplicationKind, DriverAttachment, DriverCategory, PickupMethod, TrainingMode
from drivers.payments import SandboxProvider
from drivers.services import DriverApplicationData
from profiles.services import document_upload
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.files import jpeg, minimal_pdf, png

_SEQ = itertools.count(101)


def id_number_for(birth: date, *, male: bool = True) -> str:
    """A valid mainland ID number (GB 11643) of 郑州市 for that birth date."""
    seq = next(_SEQ) % 500 * 2 + (1 if male else 0)
    first17 = f"410102{birth:%Y%m%d}{seq:03d}"
    return first17 + id_number_check_digit(first17)


def make_applicant(tenant: Any, username: str, *, birth: date = date(1985, 3, 15)) -> tuple[User, str]:
    """A driver applicant with a bound ID number and a token."""
    number = id_number_for(birth)
    return make_account(tenant, username=username, roles=[Role.CANDIDATE], id_number=number, real_name="张伟",
                        phone=f"138{next(_SEQ):08d}"[:11])


def staff(tenant: Any, username: str, *roles: str) -> tuple[User, str]:
    return make_account(tenant, username=username, roles=list(roles), kind=User.Kind.STAFF)


def upload(tenant: Any, owner: Any, kind: str, *, content: bytes | None = None, name: str | None = None) -> int:
    """A document uploaded through the service: a JPEG photo, a PNG ID scan, or a PDF scan."""
    if content is None:
        content, name = {
            "photo": (jpeg(), "photo.jpg"), "id_front": (png(), "id_front.png"), "id_back": (png(), "id_back.png"),
        }.get(kind, (minimal_pdf(), f"{kind}.pdf"))
    with province_scope(tenant):
        return document_upload(
            owner=owner, actor=owner, purpose="other",
            upload=SimpleUploadedFile(name or "file.bin", content),
        ).pk


PASSENGER_KINDS = ("id_front", "id_back", "driving_licence", "no_accident_proof", "photo")
FREIGHT_KINDS = ("id_front", "id_back", "driving_licence", "photo")


def form(user: User, *, category: str = DriverCategory.PASSENGER, attachments: list[tuple[str, int]] | None = None,
         **changes: Any) -> DriverApplicationData:
    """The application form of seed 002 filled in for `user` (born 1985-03-15, licence held since 2015)."""
    from core.identity import parse_mainland_id

    identity = parse_mainland_id(user.id_number or "")
    data = DriverApplicationData(
        category=category, kind=ApplicationKind.FIRST_ISSUE, notice_accepted=True, name="张伟",
        household_elsewhere=False, id_authority="郑州市公安局", id_number=identity.number, gender=identity.gender,
        birth_date=identity.birth_date, ethnicity="汉族", education="本科", political_status="群众",
        previous_job="出租车司机", phone="17700001111", licence_elsewhere=False,
        licence_authority="郑州市公安局交通警察支队", file_number="410100123456",
        licence_classes=["A1"] if category == DriverCategory.FREIGHT else ["B1"],
        licence_first_issued_on=date(2015, 6, 1), licence_issued_on=date(2021, 6, 1), licence_validity_years=10,
        household_address="河南省郑州市金水区花园路1号", current_address="河南省郑州市经开区航海东路2号",
        pickup_method=PickupMethod.SELF_PICKUP, no_major_accident_declared=category == DriverCategory.PASSENGER,
        training_mode=TrainingMode.SELF_STUDY if category == DriverCategory.PASSENGER else "",
        attachments=attachments or [],
    )
    return replace(data, **changes)


def attachments_for(tenant: Any, user: User, kinds: tuple[str, ...] = PASSENGER_KINDS) -> list[tuple[str, int]]:
    return [(kind, upload(tenant, user, kind)) for kind in kinds]


def form_input(data: DriverApplicationData, ids: dict[str, str]) -> dict[str, Any]:
    """The GraphQL input of a form; `ids` maps attachment kinds to document global IDs."""
    return {
        "category": data.category.upper(), "kind": data.kind.upper(), "noticeAccepted": data.notice_accepted,
        "name": data.name, "householdElsewhere": data.household_elsewhere, "idAuthority": data.id_authority,
        "idNumber": data.id_number, "gender": data.gender, "birthDate": data.birth_date.isoformat(),
        "ethnicity": data.ethnicity, "education": data.education, "politicalStatus": data.political_status,
        "previousJob": data.previous_job, "phone": data.phone, "licenceElsewhere": data.licence_elsewhere,
        "licenceAuthority": data.licence_authority, "fileNumber": data.file_number,
        "licenceClasses": data.licence_classes, "licenceFirstIssuedOn": data.licence_first_issued_on.isoformat(),
        "licenceIssuedOn": data.licence_issued_on.isoformat(), "licenceValidityYears": data.licence_validity_years,
        "householdAddress": data.household_address, "currentAddress": data.current_address,
        "pickupMethod": data.pickup_method.upper(), "noMajorAccidentDeclared": data.no_major_accident_declared,
        "trainingMode": data.training_mode.upper() or None, "freightClass": data.freight_class or None,
        "trainingElsewhere": data.training_elsewhere,
        "attachments": [{"kind": kind.upper(), "documentId": doc} for kind, doc in ids.items()],
    }


def sandbox_callback(out_trade_no: str, amount: Decimal | str, *, transaction_id: str | None = None
                     ) -> tuple[bytes, dict[str, str]]:
    """What the sandbox provider sends once the applicant has paid (signed)."""
    return SandboxProvider().notification(
        out_trade_no=out_trade_no, amount=Decimal(str(amount)),
        transaction_id=transaction_id or f"SBX{out_trade_no}",
    )


def soon(hours: int = 48) -> Any:
    return timezone.now() + timedelta(hours=hours)


ATTACHMENT_KINDS = DriverAttachment.Kind


def reviewed(tenant: Any, user: User, data: DriverApplicationData, *, prefix: str) -> Any:
    """Submit `data` and pass both reviews (material pre-review, qualification review) through the services."""
    from drivers.services import driver_application_submit
    from reviews.services import review_approve

    site, _ = staff(tenant, f"{prefix}_site", Role.SITE_REVIEWER)
    department, _ = staff(tenant, f"{prefix}_dept", Role.REVIEW_DEPARTMENT)
    with province_scope(tenant):
        application = driver_application_submit(actor=user, data=data)
        for reviewer in (site, department):
            review_approve(request_type="driver_application", request_id=application.pk, actor=reviewer)
        application.refresh_from_db()
    return application


def qualified_passenger(tenant: Any, username: str) -> tuple[User, str, Any]:
    """A passenger applicant past both reviews: the fee is due (05)."""
    user, token = make_applicant(tenant, username)
    application = reviewed(tenant, user, form(user, attachments=attachments_for(tenant, user)), prefix=username)
    return user, token, application


def pay(tenant: Any, user: User, application: Any) -> Any:
    """Create the order due now and let the sandbox provider notify its payment (signed)."""
    from drivers.services import driver_payment_order_create, payment_callback_receive

    with province_scope(tenant):
        order = driver_payment_order_create(actor=user, application_id=application.pk)
        body, headers = sandbox_callback(order.out_trade_no, order.amount)
        payment_callback_receive(provider_name="sandbox", body=body, headers=headers)
        order.refresh_from_db()
    return order
