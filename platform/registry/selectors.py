from __future__ import annotations

from registry.models import CertificateRecord
from tenants.context import national_scope


def certificate_record_get(*, number: str) -> CertificateRecord | None:
    with national_scope():
        return CertificateRecord.objects.filter(number=number).first()
