"""The certificate PDF: printed data, masked ID, and a QR code that leads to public verification."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings

from certificates.models import Certificate
from core.identity import mask_id_number
from core.pdf import CertificateDoc, pdf_render_take, render_certificate
from tenants.context import current_province


def verification_url(number: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/verify?{urlencode({'number': number})}"


def certificate_pdf(*, certificate: Certificate) -> bytes:
    pdf_render_take(account_id=certificate.holder_id)
    province = current_province()
    return render_certificate(
        CertificateDoc(
            holder_name=certificate.holder_name,
            id_number_masked=mask_id_number(certificate.holder_id_number),
            category=certificate.category.name,
            employer=certificate.employer,
            certificate_number=certificate.number,
            issue_date=certificate.issued_at.date(),
            valid_until=certificate.valid_until,
            issuing_authority=f"{province.name}交通运输主管部门",
            verify_url=verification_url(certificate.number),
            province_name=province.name,
        )
    )
