from __future__ import annotations

import base64
from enum import Enum
from itertools import chain
from typing import Any

import strawberry
import strawberry_django
from django.db.models import F, QuerySet
from strawberry_django.optimizer import optimize
from strawberry_django.relay import DjangoListConnection

from accounts.models import STAFF_ROLES
from certificates import selectors
from certificates.documents import certificate_pdf
from certificates.models import CERTIFICATE_REQUEST_MODELS, Certificate
from certificates.services import request_model
from core.errors import DomainError, ErrorCode
from registry.models import CertificateTransferRecord
from reviews.selectors import review_queue, review_request_get
from schema.accounts.auth import require_actor, require_roles
from schema.base import coded_error, db_resolver
from schema.certificates.types import (
    CertificateApplicable,
    CertificateRequestType,
    CertificateTransferRecordType,
    CertificateType,
    CertificateVerification,
    FileDownload,
    certificate_request_ref,
)
from schema.exams.queries import id_arg, one
from schema.reviews.types import ReviewState, enum_value


@strawberry.enum
class TransferDirection(Enum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


@strawberry.type
class CertificateQuery:
    @strawberry_django.connection(
        DjangoListConnection[CertificateType], description="我的证书: the caller's certificates in this province."
    )
    def my_certificates(self, info: strawberry.Info) -> QuerySet[Certificate]:
        return selectors.certificate_list_for_holder(holder=require_actor(info))

    @strawberry.field(description="The certificate as a PDF with a QR code leading to public verification.")
    @db_resolver
    def certificate_pdf(self, info: strawberry.Info, id: strawberry.ID) -> FileDownload:
        user = require_actor(info)
        pk = id_arg(info, id, CertificateType, "id")
        certificate = selectors.certificate_get_for_holder(holder=user, certificate_id=pk) if pk else None
        if certificate is None:
            raise coded_error(info, ErrorCode.CERTIFICATE_NOT_FOUND)
        content = certificate_pdf(certificate=certificate)
        return FileDownload(
            filename=f"{certificate.number}.pdf",
            content_type="application/pdf",
            base64=base64.b64encode(content).decode(),
        )

    @strawberry_django.connection(
        DjangoListConnection[CertificateType], description="Staff search of this province's certificates."
    )
    def certificate_search(
        self,
        info: strawberry.Info,
        number: str | None = None,
        holder_name: str | None = None,
        status: str | None = None,
        employer: str | None = None,
    ) -> QuerySet[Certificate]:
        require_roles(info, *STAFF_ROLES)
        return selectors.certificate_search(number=number, holder_name=holder_name, status=status, employer=employer)

    @strawberry_django.connection(
        DjangoListConnection[CertificateRequestType],
        description="我的审核 for certificates: the caller's requests (of one type, or of one certificate), "
        "newest first.",
    )
    def my_certificate_requests(
        self, info: strawberry.Info, request_type: str | None = None, certificate_id: strawberry.ID | None = None
    ) -> list[Any]:
        user = require_actor(info)
        pk = id_arg(info, certificate_id, CertificateType, "certificateId") if certificate_id is not None else None
        if certificate_id is not None and pk is None:
            return []
        found: list[Any] = []
        for model in CERTIFICATE_REQUEST_MODELS:
            if request_type and model.REQUEST_TYPE != request_type:
                continue
            rows = model.objects.filter(applicant_id=user.pk).annotate(sort_at=F("created_at"))  # type: ignore[attr-defined]
            if pk is not None:
                if not hasattr(model, "certificate"):
                    continue
                rows = rows.filter(certificate_id=pk)
            found.append(optimize(rows, info))
        return sorted(chain.from_iterable(found), key=lambda r: (r.sort_at, r.pk), reverse=True)

    @strawberry_django.field(
        description="One certificate request by its global ID, for its applicant or the province's reviewers."
    )
    def certificate_request(self, info: strawberry.Info, id: strawberry.ID) -> CertificateRequestType:
        user = require_actor(info)
        try:
            request_type, pk = certificate_request_ref(info, id, field="id")
            review_request_get(actor=user, request_type=request_type, request_id=pk)
        except DomainError as error:
            raise coded_error(info, error) from error
        return one(info, request_model(request_type).objects.filter(pk=pk))  # type: ignore[attr-defined]

    @strawberry_django.connection(
        DjangoListConnection[CertificateRequestType],
        description="Staff: certificate requests of one type. Without `state`: what waits at the caller's "
        "stage; with it, requests in that state (decided ones for the record).",
    )
    def certificate_requests(
        self,
        info: strawberry.Info,
        request_type: str,
        state: ReviewState | None = None,  # type: ignore[valid-type]
        search: str | None = None,
    ) -> QuerySet[Any]:
        actor = require_roles(info, *STAFF_ROLES)
        try:
            request_model(request_type)
            return review_queue(actor=actor, request_type=request_type, state=enum_value(state), search=search)
        except DomainError as error:
            raise coded_error(info, error) from error

    @strawberry.field(description="证书申领: the caller's passed exams and whether each may be applied for now.")
    @db_resolver
    def my_certificate_applicable(self, info: strawberry.Info) -> list[CertificateApplicable]:
        user = require_actor(info)
        return [CertificateApplicable.from_eligibility(e) for e in selectors.certificate_applicable(actor=user)]

    @strawberry_django.connection(
        DjangoListConnection[CertificateTransferRecordType],
        description="Staff: certificates moving between provinces (national records), INCOMING to this province "
        "(accept them with certificateTransferAccept) or OUTGOING from it, newest first.",
    )
    def certificate_transfers(
        self, info: strawberry.Info, direction: TransferDirection = TransferDirection.INCOMING,
        state: ReviewState | None = None,  # type: ignore[valid-type]
    ) -> QuerySet[CertificateTransferRecord]:
        require_roles(info, *STAFF_ROLES)
        return selectors.certificate_transfers(direction=direction.value, state=enum_value(state))


@strawberry.type
class CertificateVerifyQuery:
    @strawberry.field(description="公共查询: verify a certificate by its number (or the QR's), no login needed.")
    @db_resolver
    def certificate_verify(self, info: strawberry.Info, number: str) -> CertificateVerification:
        verification = selectors.certificate_verify(number=number)
        if verification is None:
            raise coded_error(info, ErrorCode.CERTIFICATE_NOT_FOUND)
        record = verification.record
        return CertificateVerification(
            number=record.number,
            status=verification.status,
            status_reason=record.status_reason,
            holder_name=record.holder_name_masked,
            id_number=record.id_number_masked,
            category=record.category_name,
            employer=record.employer,
            province=record.province_name,
            valid_from=record.valid_from,
            valid_until=record.valid_until,
            transferred_to=record.transferred_to,
            transferred_from=record.transferred_from,
        )
