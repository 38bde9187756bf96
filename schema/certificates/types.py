from __future__ import annotations

from datetime import date, datetime

import strawberry

from certificates.models import Certificate
from certificates.selectors import display_status, renewal_window_for


@strawberry.type(name="Certificate")
class CertificateType:
    id: strawberry.ID
    number: str
    holder_name: str
    category: str
    employer: str
    region: str
    status: str = strawberry.field(description="valid, expired, lapsed, cancelled, transferred or revoked")
    status_reason: str
    issued_at: datetime
    valid_from: date
    valid_until: date
    renewal_opens: date
    renewal_closes: date
    transferred_to: str

    @classmethod
    def from_model(cls, certificate: Certificate) -> CertificateType:
        window = renewal_window_for(certificate)
        return cls(
            id=strawberry.ID(str(certificate.pk)),
            number=certificate.number,
            holder_name=certificate.holder_name,
            category=certificate.category.name,
            employer=certificate.employer,
            region=certificate.region,
            status=display_status(status=certificate.status, valid_until=certificate.valid_until),
            status_reason=certificate.status_reason,
            issued_at=certificate.issued_at,
            valid_from=certificate.valid_from,
            valid_until=certificate.valid_until,
            renewal_opens=window.opens,
            renewal_closes=window.closes,
            transferred_to=certificate.transferred_to,
        )


@strawberry.type(description="Public verification: what anyone may see of a certificate; personal data masked.")
class CertificateVerification:
    number: str
    status: str
    status_reason: str
    holder_name: str = strawberry.field(description="masked, e.g. 张*明")
    id_number: str = strawberry.field(description="masked, e.g. 3201**********1234")
    category: str
    employer: str
    province: str
    valid_from: date
    valid_until: date
    transferred_to: str


@strawberry.type
class FileDownload:
    filename: str
    content_type: str
    base64: str
