"""Certificates for tests, issued through the service (numbering, registry mirror, audit)."""

from __future__ import annotations

from datetime import date
from typing import Any

from certificates.models import Certificate, CertificateCategory
from certificates.services import certificate_create
from tenants.context import province_scope

VALID_ID = "11010519491231002X"


def issue_certificate(
    tenant: Any, holder: Any, *, valid_from: date | None = None, name: str = "张三明", id_number: str = VALID_ID,
    category_code: str = "GJB",
) -> Certificate:
    with province_scope(tenant):
        category, _ = CertificateCategory.objects.get_or_create(
            code=category_code, defaults={"name": "城市公共汽车 · 安全生产管理人员", "validity_years": 3}
        )
        return certificate_create(
            holder=holder, category=category, holder_name=name, holder_id_number=id_number,
            employer="昆明公交集团", region="昆明市", actor=None, valid_from=valid_from,
        )
