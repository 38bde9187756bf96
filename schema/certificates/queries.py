from __future__ import annotations

import base64
from enum import Enum

import strawberry
from graphql import GraphQLError

from accounts.models import STAFF_ROLES
from certificates import selectors
from certificates.documents import certificate_pdf
from certificates.models import CertificateRequest
from certificates.services import request_model
from core.errors import DomainError, ErrorCode, message_for
from reviews.selectors import review_queue, review_request_get
from schema.accounts.auth import require_actor, require_roles
from schema.base import Page, db_resolver, language, paginate
from schema.certificates.types import (
    CertificateApplicable,
    CertificateRequestType,
    CertificateTransferRecordType,
    CertificateType,
    CertificateVerification,
    FileDownload,
)
from schema.reviews.types import ReviewState, enum_value, query_error


@strawberry.enum
class TransferDirection(Enum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


def _int(value: strawberry.ID | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return -1


@strawberry.type
class CertificateQuery:
    @strawberry.field(description="我的证书: the caller's certificates in this province.")
    @db_resolver
    def my_certificates(self, info: strawberry.Info) -> list[CertificateType]:
        user = require_actor(info)
        return [CertificateType.from_model(c) for c in selectors.certificate_list_for_holder(holder=user)]

    @strawberry.field(description="The certificate as a PDF with a QR code leading to public verification.")
    @db_resolver
    def certificate_pdf(self, info: strawberry.Info, id: strawberry.ID) -> FileDownload:
        user = require_actor(info)
        certificate = selectors.certificate_get_for_holder(holder=user, certificate_id=int(id))
        if certificate is None:
            raise GraphQLError(
                message_for(ErrorCode.CERTIFICATE_NOT_FOUND, language=language(info)),
                extensions={"code": ErrorCode.CERTIFICATE_NOT_FOUND.value},
            )
        content = certificate_pdf(certificate=certificate)
        return FileDownload(
            filename=f"{certificate.number}.pdf",
            content_type="application/pdf",
            base64=base64.b64encode(content).decode(),
        )

    @strawberry.field(description="Staff search of this province's certificates.")
    @db_resolver
    def certificate_search(
        self,
        info: strawberry.Info,
        number: str | None = None,
        holder_name: str | None = None,
        status: str | None = None,
        employer: str | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> Page[CertificateType]:
        require_roles(info, *STAFF_ROLES)
        found = selectors.certificate_search(number=number, holder_name=holder_name, status=status, employer=employer)
        page = paginate(found, offset=offset, limit=limit)
        page["items"] = [CertificateType.from_model(c) for c in page["items"]]
        return Page[CertificateType](**page)


    @strawberry.field(description="我的审核 for certificates: the caller's requests, newest first.")
    @db_resolver
    def my_certificate_requests(
        self, info: strawberry.Info, request_type: str | None = None, certificate_id: strawberry.ID | None = None
    ) -> list[CertificateRequestType]:
        user = require_actor(info)
        found = selectors.certificate_requests_for_applicant(
            actor=user, request_type=request_type, certificate_id=_int(certificate_id)
        )
        return [CertificateRequestType.from_model(r) for r in found]

    @strawberry.field(description="One certificate request, for its applicant or the province's reviewers.")
    @db_resolver
    def certificate_request(
        self, info: strawberry.Info, request_type: str, id: strawberry.ID
    ) -> CertificateRequestType:
        user = require_actor(info)
        try:
            request_model(request_type)
            found = review_request_get(actor=user, request_type=request_type, request_id=_int(id) or 0)
        except DomainError as error:
            raise query_error(error, info) from error
        assert isinstance(found, CertificateRequest)
        return CertificateRequestType.from_model(found)

    @strawberry.field(
        description="Staff: certificate requests of one type. Without `state`: what waits at the caller's "
        "stage; with it, requests in that state (decided ones for the record)."
    )
    @db_resolver
    def certificate_requests(
        self,
        info: strawberry.Info,
        request_type: str,
        state: ReviewState | None = None,  # type: ignore[valid-type]
        search: str | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> Page[CertificateRequestType]:
        actor = require_roles(info, *STAFF_ROLES)
        try:
            request_model(request_type)
            found = review_queue(actor=actor, request_type=request_type, state=enum_value(state), search=search)
        except DomainError as error:
            raise query_error(error, info) from error
        page = paginate(found.prefetch_related("documents"), offset=offset, limit=limit)
        page["items"] = [CertificateRequestType.from_model(r) for r in page["items"]]
        return Page[CertificateRequestType](**page)

    @strawberry.field(description="证书申领: the caller's passed exams and whether each may be applied for now.")
    @db_resolver
    def my_certificate_applicable(self, info: strawberry.Info) -> list[CertificateApplicable]:
        user = require_actor(info)
        return [CertificateApplicable.from_eligibility(e) for e in selectors.certificate_applicable(actor=user)]

    @strawberry.field(
        description="Staff: certificates moving between provinces (national records), INCOMING to this province "
        "(accept them with certificateTransferAccept) or OUTGOING from it."
    )
    @db_resolver
    def certificate_transfers(
        self, info: strawberry.Info, direction: TransferDirection = TransferDirection.INCOMING,
        state: ReviewState | None = None,  # type: ignore[valid-type]
    ) -> list[CertificateTransferRecordType]:
        require_roles(info, *STAFF_ROLES)
        found = selectors.certificate_transfers(direction=direction.value, state=enum_value(state))
        return [CertificateTransferRecordType.from_model(r) for r in found[:200]]


@strawberry.type
class CertificateVerifyQuery:
    @strawberry.field(description="公共查询: verify a certificate by its number (or the QR's), no login needed.")
    @db_resolver
    def certificate_verify(self, info: strawberry.Info, number: str) -> CertificateVerification:
        verification = selectors.certificate_verify(number=number)
        if verification is None:
            raise GraphQLError(
                message_for(ErrorCode.CERTIFICATE_NOT_FOUND, language=language(info)),
                extensions={"code": ErrorCode.CERTIFICATE_NOT_FOUND.value},
            )
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
