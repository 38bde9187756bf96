"""The certificate PDF: printed data, masked ID, and a QR code that leads to public verification."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

from certificates.models import Certificate
from core.identity import mask_id_number
from core.pdf import CertificateDoc, pdf_render_take, render_certificate
from profiles.models import Attachment, Gender
from tenants.context import current_province


def verification_url(number: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/verify?{urlencode({'number': number})}"


def holder_photo(certificate: Certificate) -> bytes | None:
    """The holder's photo (the profile's avatar) from the province's private storage, when stored."""
    attachment = Attachment.objects.filter(profile__user_id=certificate.holder_id, kind=Attachment.Kind.AVATAR).first()
    if attachment is None:
        return None
    root = Path(settings.STORAGE_ROOT)
    for path in (root / current_province().schema_name / attachment.storage_name, root / attachment.storage_name):
        if path.is_file():
            return path.read_bytes()
    return None


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
            photo=holder_photo(certificate),
            gender=Gender(certificate.holder_gender).label if certificate.holder_gender in Gender.values else "",
            birth_date=certificate.holder_birth_date,
            ethnicity=certificate.holder_ethnicity,
        )
    )
