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


def upload_documents(tenant: Any, owner: Any, *purposes: str) -> list[int]:
    """Real PDF documents uploaded through the service (validated, stored in private storage)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from profiles.services import document_upload
    from tests.support.files import minimal_pdf

    with province_scope(tenant):
        return [
            document_upload(
                owner=owner, actor=owner, purpose=purpose,
                upload=SimpleUploadedFile(f"{purpose}.pdf", minimal_pdf(), content_type="application/pdf"),
            ).pk
            for purpose in purposes
        ]


RENEWAL_PURPOSES = ("pledge", "application_form", "safety_education_record", "labour_contract", "social_insurance")


def assessor(tenant: Any, username: str) -> Any:
    """An assessment-authority reviewer (考核部门): decides every certificate request of the province."""
    from accounts.models import Role, User
    from tests.support.auth import make_account

    user, _ = make_account(tenant, username=username, roles=[Role.ASSESSMENT_AUTHORITY], kind=User.Kind.STAFF)
    return user


def holder_with_certificate(
    tenant: Any, username: str, *, index: int = 0, valid_from: date | None = None
) -> tuple[Any, Certificate]:
    """A candidate with a complete profile holding one certificate."""
    from tests.support.exams import make_candidate

    user, _ = make_candidate(tenant, username, index=index)
    return user, issue_certificate(tenant, user, valid_from=valid_from)


def require_renewal_materials(tenant: Any, *purposes: str) -> None:
    """The province's renewal-materials setting (seed 003 asks five documents; the default is none)."""
    from certificates.models import RenewalMaterials

    with province_scope(tenant):
        RenewalMaterials.objects.all().delete()
        RenewalMaterials.objects.create(purposes=list(purposes))
