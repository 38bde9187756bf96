from __future__ import annotations

import base64

import strawberry
from graphql import GraphQLError

from accounts.models import STAFF_ROLES
from certificates import selectors
from certificates.documents import certificate_pdf
from core.errors import ErrorCode, message_for
from schema.accounts.auth import require_actor, require_roles
from schema.base import Page, db_resolver, language, paginate
from schema.certificates.types import CertificateType, CertificateVerification, FileDownload


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
        )
