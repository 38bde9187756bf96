from __future__ import annotations

from registry.models import CertificateRecord, CertificateTransferRecord
from tenants.context import national_scope


def certificate_record_get(*, number: str) -> CertificateRecord | None:
    with national_scope():
        return CertificateRecord.objects.filter(number=number).first()


# Moves a public verification shows: accepted ones and those still under review (not withdrawn or refused).
SHOWN_MOVE_STATES = ("submitted", "under_review", "approved")


def certificate_moves(*, number: str) -> list[CertificateTransferRecord]:
    """The certificate's moves between provinces, oldest first."""
    with national_scope():
        return list(
            CertificateTransferRecord.objects.filter(number=number, state__in=SHOWN_MOVE_STATES).order_by(
                "created_at", "id"
            )
        )
