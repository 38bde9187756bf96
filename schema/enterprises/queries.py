"""Enterprise reads: its profile (also `Account.enterprise`, so the registration state shows at login),
staff, certificates by status and expiry, requests by state, Excel exports and pre-filled forms.

Every list is the caller's enterprise's only (selectors filter by the actor's enterprise); an enterprise not
yet approved gets ENTERPRISE_NOT_APPROVED.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry_django.relay import DjangoListConnection

from accounts.models import User
from certificates.models import Certificate, CertificateRenewal
from certificates.services import renewal_materials
from core.errors import DomainError, ErrorCode
from enterprises import documents, selectors
from enterprises.models import Enterprise, EnterpriseChange, StaffTransferIn, StaffTransferOut, UnitInfoChange
from schema.accounts.auth import require_actor
from schema.accounts.types import AccountType
from schema.base import coded_error, db_resolver
from schema.certificates.types import CertificateRenewalType, CertificateType, FileDownload
from schema.enterprises.types import (
    EnterpriseChangeType,
    EnterpriseExportKind,
    EnterpriseType,
    StaffTransferDirection,
    StaffTransferInType,
    StaffTransferOutType,
    StaffTransferType,
    UnitInfoChangeType,
)
from schema.relay import pk_of
from schema.reviews.types import ReviewState, enum_value

T = TypeVar("T")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _mine(info: strawberry.Info, read: Callable[[Enterprise], T]) -> T:
    """`read` on the caller's approved enterprise; refusals as top-level coded errors."""
    actor = require_actor(info)
    try:
        return read(selectors.enterprise_active(actor))
    except DomainError as error:
        raise coded_error(info, error) from error


def _file(filename: str, content_type: str, content: bytes) -> FileDownload:
    return FileDownload(filename=filename, content_type=content_type, base64=base64.b64encode(content).decode())


@strawberry.type
class EnterpriseQuery:
    @strawberry_django.field(
        description="The caller's enterprise with its registration state (null: an enterprise account whose "
        "profile is not filled in yet, e.g. bulk-imported)."
    )
    def my_enterprise(self, info: strawberry.Info) -> EnterpriseType | None:
        actor = require_actor(info)
        return Enterprise.objects.filter(account_id=actor.pk).first()  # type: ignore[return-value]

    @strawberry_django.connection(
        DjangoListConnection[CertificateType],
        description="证书查询: the enterprise's staff's certificates by status and expiry (soonest first).",
    )
    def enterprise_certificates(
        self, info: strawberry.Info, status: str | None = None, expires_from: date | None = None,
        expires_to: date | None = None, search: str | None = None,
    ) -> QuerySet[Certificate]:
        return _mine(info, lambda e: selectors.enterprise_certificates(
            enterprise=e, status=status, expires_from=expires_from, expires_to=expires_to, search=search))

    @strawberry_django.connection(DjangoListConnection[AccountType], description="The enterprise's staff.")
    def enterprise_staff(self, info: strawberry.Info, search: str | None = None) -> QuerySet[User]:
        return _mine(info, lambda e: selectors.enterprise_staff(enterprise=e, search=search))

    @strawberry_django.connection(
        DjangoListConnection[CertificateType],
        description="延续申请: staff certificates inside the renewal window today (3 months before expiry to 2 after).",
    )
    def enterprise_renewable(self, info: strawberry.Info) -> QuerySet[Certificate]:
        return _mine(info, lambda e: selectors.enterprise_renewable(enterprise=e))

    @strawberry_django.connection(
        DjangoListConnection[StaffTransferOutType],
        description="人员调出 requests of its staff; `state: SUBMITTED` = waiting for the enterprise.",
    )
    def enterprise_transfers_out(
        self, info: strawberry.Info, state: ReviewState | None = None,  # type: ignore[valid-type]
    ) -> QuerySet[StaffTransferOut]:
        return _mine(info, lambda e: selectors.enterprise_transfers(enterprise=e, direction="out",
                                                                   state=enum_value(state)))

    @strawberry_django.connection(
        DjangoListConnection[StaffTransferInType],
        description="人员调入 requests naming the enterprise; `state: SUBMITTED` = waiting for the enterprise.",
    )
    def enterprise_transfers_in(
        self, info: strawberry.Info, state: ReviewState | None = None,  # type: ignore[valid-type]
    ) -> QuerySet[StaffTransferIn]:
        return _mine(info, lambda e: selectors.enterprise_transfers(enterprise=e, direction="in",
                                                                   state=enum_value(state)))

    @strawberry_django.connection(
        DjangoListConnection[CertificateRenewalType], description="Renewals the enterprise filed for its staff."
    )
    def enterprise_renewals(
        self, info: strawberry.Info, state: ReviewState | None = None,  # type: ignore[valid-type]
    ) -> QuerySet[CertificateRenewal]:
        return _mine(info, lambda e: selectors.enterprise_renewals(enterprise=e, state=enum_value(state)))

    @strawberry_django.connection(
        DjangoListConnection[UnitInfoChangeType],
        description="单位信息变更 per holder after a name change (DRAFT: still to file).",
    )
    def enterprise_unit_info_changes(
        self, info: strawberry.Info, state: ReviewState | None = None,  # type: ignore[valid-type]
    ) -> QuerySet[UnitInfoChange]:
        return _mine(info, lambda e: selectors.enterprise_unit_info_changes(enterprise=e, state=enum_value(state)))

    @strawberry_django.connection(
        DjangoListConnection[EnterpriseChangeType], description="The enterprise's name and qualification changes."
    )
    def enterprise_changes(self, info: strawberry.Info) -> QuerySet[EnterpriseChange]:
        return _mine(info, lambda e: EnterpriseChange.objects.filter(enterprise=e).order_by("-created_at", "-pk"))

    @strawberry_django.connection(
        DjangoListConnection[StaffTransferType],
        description="The caller's own 人员调出 / 人员调入 requests (as a holder), newest first.",
    )
    def my_staff_transfers(self, info: strawberry.Info, direction: StaffTransferDirection) -> QuerySet[Any]:
        actor = require_actor(info)
        model = StaffTransferOut if direction == StaffTransferDirection.OUT else StaffTransferIn
        return model.objects.filter(applicant_id=actor.pk).order_by("-created_at", "-pk")

    @strawberry.field(description="One of the enterprise's lists as an Excel workbook (base64).")
    @db_resolver
    def enterprise_export(self, info: strawberry.Info, kind: EnterpriseExportKind) -> FileDownload:
        filename, content = _mine(info, lambda e: documents.enterprise_export(enterprise=e, kind=kind.value))
        return _file(filename, XLSX, content)

    @strawberry.field(description="单位信息变更申请表 of one holder, pre-filled (PDF): sign, stamp, upload.")
    @db_resolver
    def unit_info_change_form(self, info: strawberry.Info, request_id: strawberry.ID) -> FileDownload:
        def read(enterprise: Enterprise) -> bytes:
            pk = pk_of(info, request_id, UnitInfoChangeType, field="requestId")
            request = UnitInfoChange.objects.filter(pk=pk, enterprise=enterprise).select_related(
                "certificate__category").first()
            if request is None:
                raise DomainError(ErrorCode.NOT_FOUND, field="requestId")
            return documents.unit_info_change_form(enterprise=enterprise, request=request)

        return _file("unit-info-change.pdf", "application/pdf", _mine(info, read))

    @strawberry.field(description="证书延续申请表 of one staff certificate, pre-filled (PDF): sign, stamp, upload.")
    @db_resolver
    def enterprise_renewal_form(self, info: strawberry.Info, certificate_id: strawberry.ID) -> FileDownload:
        def read(enterprise: Enterprise) -> bytes:
            pk = pk_of(info, certificate_id, CertificateType, field="certificateId")
            certificate = Certificate.objects.filter(pk=pk, enterprise=enterprise).select_related("category").first()
            if certificate is None:
                raise DomainError(ErrorCode.CERTIFICATE_NOT_FOUND, field="certificateId")
            return documents.renewal_form(enterprise=enterprise, certificate=certificate)

        return _file("renewal-form.pdf", "application/pdf", _mine(info, read))

    @strawberry.field(description="The documents a renewal (延续) needs in this province (purposes; may be none).")
    @db_resolver
    def renewal_materials(self, info: strawberry.Info) -> list[str]:
        return renewal_materials()


__all__: list[Any] = ["EnterpriseQuery"]
