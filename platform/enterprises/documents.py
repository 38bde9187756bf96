"""Printable and exportable documents of an enterprise: the pre-filled application forms (PDF) it
downloads, signs, stamps and uploads again, and its lists as Excel workbooks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from certificates.models import Certificate
from certificates.selectors import display_status
from core.identity import mask_id_number
from core.pdf import ApplicationFormDoc, pdf_render_take, render_application_form
from core.tabular import write_xlsx
from enterprises.models import Enterprise, UnitInfoChange
from enterprises.selectors import (
    enterprise_certificates,
    enterprise_renewals,
    enterprise_staff,
    enterprise_transfers,
    enterprise_unit_info_changes,
)
from reviews.models import ReviewState
from tenants.context import current_province


def unit_info_change_form(*, enterprise: Enterprise, request: UnitInfoChange) -> bytes:
    """单位信息变更申请表, pre-filled with the holder, the certificate and the old and new unit names."""
    pdf_render_take(account_id=enterprise.account_id)
    certificate = request.certificate
    return render_application_form(ApplicationFormDoc(
        title="单位信息变更申请表",
        reference=f"{current_province().name} · {certificate.number}",
        rows=[
            ("姓名", certificate.holder_name),
            ("证件号码", mask_id_number(certificate.holder_id_number)),
            ("证书编号", certificate.number),
            ("证书类别", certificate.category.name),
            ("有效期至", certificate.valid_until.isoformat()),
            ("原单位名称", request.old_name),
            ("新单位名称", request.new_name),
            ("统一社会信用代码", enterprise.credit_code),
            ("变更原因", "单位名称变更"),
        ],
    ))


def renewal_form(*, enterprise: Enterprise, certificate: Certificate) -> bytes:
    """证书延续申请表 for one staff member, pre-filled."""
    pdf_render_take(account_id=enterprise.account_id)
    return render_application_form(ApplicationFormDoc(
        title="证书延续申请表",
        reference=f"{current_province().name} · {certificate.number}",
        rows=[
            ("姓名", certificate.holder_name),
            ("证件号码", mask_id_number(certificate.holder_id_number)),
            ("证书编号", certificate.number),
            ("证书类别", certificate.category.name),
            ("有效期至", certificate.valid_until.isoformat()),
            ("工作单位", enterprise.name),
            ("统一社会信用代码", enterprise.credit_code),
        ],
    ))


_STAFF_COLUMNS = {"name": "姓名", "username": "账号", "certificates": "证书数"}
_CERTIFICATE_COLUMNS = {
    "number": "证书编号", "holder": "姓名", "id_number": "证件号码", "category": "证书类别", "status": "状态",
    "valid_from": "有效期起", "valid_until": "有效期至",
}
_REQUEST_COLUMNS = {
    "type": "业务类型", "number": "证书编号", "holder": "姓名", "state": "审核状态", "stage": "审核阶段",
    "submitted_at": "提交时间", "decided_at": "审核时间", "opinion": "审核意见",
}


def _request_rows(requests: Iterable[Any], label: str) -> list[dict[str, object]]:
    return [{
        "type": label, "number": r.certificate.number, "holder": r.certificate.holder_name,
        "state": ReviewState(r.state).label, "stage": f"{r.stage}/{r.stages}", "submitted_at": r.submitted_at,
        "decided_at": r.decided_at, "opinion": r.opinion,
    } for r in requests]


def enterprise_export(*, enterprise: Enterprise, kind: str) -> tuple[str, bytes]:
    """One list of the enterprise as an .xlsx (file name, bytes): staff, certificates, or requests."""
    if kind == "staff":
        staff = enterprise_staff(enterprise=enterprise).select_related("profile")
        counts: dict[int, int] = {}
        for holder_id in Certificate.objects.filter(enterprise=enterprise).values_list("holder_id", flat=True):
            counts[holder_id] = counts.get(holder_id, 0) + 1
        rows: list[dict[str, object]] = [{
            "name": user.real_name or getattr(getattr(user, "profile", None), "real_name", ""),
            "username": user.username, "certificates": counts.get(user.pk, 0),
        } for user in staff]
        return "staff.xlsx", write_xlsx(rows, headers=_STAFF_COLUMNS, sheet_title="人员")
    if kind == "certificates":
        rows = [{
            "number": c.number, "holder": c.holder_name, "id_number": mask_id_number(c.holder_id_number),
            "category": c.category.name, "status": display_status(status=c.status, valid_until=c.valid_until),
            "valid_from": c.valid_from, "valid_until": c.valid_until,
        } for c in enterprise_certificates(enterprise=enterprise).select_related("category")]
        return "certificates.xlsx", write_xlsx(rows, headers=_CERTIFICATE_COLUMNS, sheet_title="证书")
    def related(rows: Any) -> Any:
        return rows.select_related("certificate")

    rows = [
        *_request_rows(related(enterprise_transfers(enterprise=enterprise, direction="out")), "人员调出"),
        *_request_rows(related(enterprise_transfers(enterprise=enterprise, direction="in")), "人员调入"),
        *_request_rows(related(enterprise_renewals(enterprise=enterprise)), "证书延续"),
        *_request_rows(related(enterprise_unit_info_changes(enterprise=enterprise)), "单位信息变更"),
    ]
    return "requests.xlsx", write_xlsx(rows, headers=_REQUEST_COLUMNS, sheet_title="业务申请")


