"""Printable documents: admission ticket (准考证) and certificate, one A4 page with Chinese text and a QR code."""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from PIL import Image, ImageDraw

from core import pdf
from core.errors import DomainError, ErrorCode
from core.pdf import (
    AdmissionTicketDoc,
    CertificateDoc,
    configure_font,
    qr_code_widget,
    render_admission_ticket,
    render_certificate,
)

TICKET_URL = "https://yunnan.example.cn/verify/ticket/ZK202503150012?s=Qm9vaw"
CERT_URL = "https://verify.example.cn/certificates/YJA-C2025000123?s=c2lnbg"
A4_POINTS = (595.28, 841.89)


def _photo(fmt: str) -> bytes:
    mode = "RGBA" if fmt == "PNG" else "RGB"
    image = Image.new(mode, (350, 490), (70, 130, 180))
    draw = ImageDraw.Draw(image)
    draw.ellipse((100, 80, 250, 260), fill=(240, 210, 180))
    draw.rectangle((60, 300, 290, 490), fill=(30, 30, 60))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def _embeddable_font() -> str | None:
    for candidate in pdf._SYSTEM_FONT_CANDIDATES:
        if os.path.isfile(candidate):
            return candidate
    return None


@pytest.fixture(params=["cid", "embedded"])
def font_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every document test runs with the built-in CID font and, when a system TTF exists, an embedded one."""
    monkeypatch.setattr(pdf, "_font_name", None)
    if request.param == "cid":
        configure_font(None)
    else:
        path = _embeddable_font()
        if path is None:
            pytest.skip("no TrueType CJK font on this machine")
        configure_font(path)
    yield request.param


@pytest.fixture
def ticket() -> AdmissionTicketDoc:
    beijing = timezone(timedelta(hours=8))
    return AdmissionTicketDoc(
        province_name="云南省",
        candidate_name="张三丰",
        id_number_masked="5301**********123X",
        exam_plan_name="2025年第一期城市客运企业安全生产管理人员考核",
        exam_type="常规考试",
        subject_name="城市公共汽车—安全生产管理人员",
        site_name="昆明市交通运输综合行政执法支队考点",
        site_address="云南省昆明市盘龙区北京路1234号交通大厦三楼第二考场",
        session_start=datetime(2025, 3, 15, 9, 0, tzinfo=beijing),
        session_end=datetime(2025, 3, 15, 10, 30, tzinfo=beijing),
        seat_number="A-12",
        ticket_number="ZK202503150012",
        verify_url=TICKET_URL,
        photo=_photo("JPEG"),
        printed_at=datetime(2025, 3, 10, 9, 30),
    )


@pytest.fixture
def certificate() -> CertificateDoc:
    return CertificateDoc(
        holder_name="李四",
        id_number_masked="5301**********5678",
        category="城市公共汽车企业安全生产管理人员",
        employer="昆明公交集团有限责任公司",
        certificate_number="YJA-C2025000123",
        issue_date=date(2025, 4, 1),
        valid_until=date(2028, 3, 31),
        issuing_authority="云南省交通运输厅",
        verify_url=CERT_URL,
        photo=_photo("PNG"),
        province_name="云南省",
    )


# ------------------------------------------------------------------------------------- inspection


def _pages(document: bytes) -> list[object]:
    pypdf = pytest.importorskip("pypdf")
    return list(pypdf.PdfReader(io.BytesIO(document)).pages)


def _text(document: bytes) -> str:
    """The text layer, by pdftotext (poppler) or pypdf, whichever is here."""
    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=document, capture_output=True, check=True, timeout=30
        )
        return done.stdout.decode("utf-8")
    pypdf = pytest.importorskip("pypdf")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(document)).pages)


def _qr_texts(document: bytes) -> list[str]:
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    image = pdfium.PdfDocument(document)[0].render(scale=3).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def _assert_one_a4_page(document: bytes) -> None:
    pages = _pages(document)
    assert len(pages) == 1
    box = pages[0].mediabox  # type: ignore[attr-defined]
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A4_POINTS


# --------------------------------------------------------------------------------- admission ticket


def test_ticket_is_a_one_page_a4_pdf(font_mode: str, ticket: AdmissionTicketDoc) -> None:
    # When
    document = render_admission_ticket(ticket)
    # Then
    assert document.startswith(b"%PDF")
    _assert_one_a4_page(document)


def test_ticket_text_shows_candidate_exam_and_seat(font_mode: str, ticket: AdmissionTicketDoc) -> None:
    # When
    text = _text(render_admission_ticket(ticket))
    # Then
    for expected in (
        "A-12",
        "ZK202503150012",
        "准考证号",
        "座位号",
        "张三丰",
        "5301**********123X",
        "城市公共汽车",
        "昆明市交通运输综合行政执法支队考点",
        "北京路1234号",
        "常规考试",
        "考生须知",
    ):
        assert expected in text, expected
    assert "2025年03月15日 09:00" in text and "10:30" in text


def test_ticket_qr_code_decodes_to_the_verification_url(font_mode: str, ticket: AdmissionTicketDoc) -> None:
    assert _qr_texts(render_admission_ticket(ticket)) == [TICKET_URL]


def test_ticket_time_of_an_aware_datetime_is_printed_in_beijing_time(ticket: AdmissionTicketDoc) -> None:
    # Given the session stored in UTC (01:00Z = 09:00 Beijing)
    utc_ticket = dataclasses.replace(
        ticket,
        session_start=datetime(2025, 3, 15, 1, 0, tzinfo=UTC),
        session_end=datetime(2025, 3, 15, 2, 30, tzinfo=UTC),
    )
    # When
    text = _text(render_admission_ticket(utc_ticket))
    # Then
    assert "2025年03月15日 09:00" in text and "10:30" in text


def test_ticket_spanning_two_days_shows_both_dates(ticket: AdmissionTicketDoc) -> None:
    overnight = dataclasses.replace(
        ticket, session_start=datetime(2025, 3, 15, 22, 0), session_end=datetime(2025, 3, 16, 1, 0)
    )
    text = _text(render_admission_ticket(overnight))
    assert "2025年03月15日 22:00" in text and "2025年03月16日 01:00" in text


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_ticket_embeds_the_photo(ticket: AdmissionTicketDoc, fmt: str) -> None:
    # When
    document = render_admission_ticket(dataclasses.replace(ticket, photo=_photo(fmt)))
    # Then
    assert b"/Subtype /Image" in document


def test_ticket_without_photo_has_no_image(ticket: AdmissionTicketDoc) -> None:
    document = render_admission_ticket(dataclasses.replace(ticket, photo=None))
    assert b"/Subtype /Image" not in document
    assert "照片" in _text(document)


def test_ticket_with_unreadable_photo_is_refused(ticket: AdmissionTicketDoc) -> None:
    # Given bytes that are no image
    broken = dataclasses.replace(ticket, photo=b"\xff\xd8\xff\xe0 this is not a jpeg")
    # When / Then
    with pytest.raises(DomainError) as caught:
        render_admission_ticket(broken)
    assert caught.value.code is ErrorCode.IMAGE_UNREADABLE
    assert caught.value.field == "photo"


def test_ticket_with_very_long_texts_stays_on_one_page(font_mode: str, ticket: AdmissionTicketDoc) -> None:
    # Given every text far longer than any real one
    long = dataclasses.replace(
        ticket,
        candidate_name="阿卜杜热合曼·买买提艾力·吐尔逊托合提" * 3,
        exam_plan_name="城市公共交通企业主要负责人和安全生产管理人员安全考核" * 6,
        subject_name="城市轨道交通—企业主要负责人" * 8,
        site_name="某某市交通运输综合行政执法支队直属考点" * 8,
        site_address="某某省某某市某某区某某街道某某路某某号某某大厦某某楼某某考场" * 10,
        seat_number="第100考场-35号" * 3,
        notices=tuple("考生须凭本准考证和有效身份证件原件参加考试，证件不全者不得入场。" * 3 for _ in range(12)),
    )
    # When
    document = render_admission_ticket(long)
    # Then
    _assert_one_a4_page(document)
    assert "ZK202503150012" in _text(document)


# ------------------------------------------------------------------------------------- certificate


def test_certificate_is_a_one_page_a4_pdf_with_its_data(font_mode: str, certificate: CertificateDoc) -> None:
    # When
    document = render_certificate(certificate)
    # Then
    assert document.startswith(b"%PDF")
    _assert_one_a4_page(document)
    text = _text(document)
    for expected in (
        "安全生产考核合格证书",
        "李四",
        "5301**********5678",
        "城市公共汽车企业安全生产管理人员",
        "昆明公交集团有限责任公司",
        "YJA-C2025000123",
        "2025年04月01日",
        "2028年03月31日",
        "云南省交通运输厅",
    ):
        assert expected in text, expected
    assert b"/Subtype /Image" in document


def test_certificate_qr_code_decodes_to_the_verification_url(font_mode: str, certificate: CertificateDoc) -> None:
    assert _qr_texts(render_certificate(certificate)) == [CERT_URL]


def test_certificate_title_and_statement_can_be_set(certificate: CertificateDoc) -> None:
    custom = dataclasses.replace(
        certificate,
        title="交通运输工程施工企业安全生产管理人员考核合格证书",
        statement="经考核合格，准予从事相应岗位工作。",
        photo=None,
    )
    text = _text(render_certificate(custom))
    assert "考核合格证书" in text and "准予从事相应岗位工作" in text


def test_certificate_with_unreadable_photo_is_refused(certificate: CertificateDoc) -> None:
    with pytest.raises(DomainError) as caught:
        render_certificate(dataclasses.replace(certificate, photo=b"\x89PNG\r\n\x1a\nbroken"))
    assert caught.value.code is ErrorCode.IMAGE_UNREADABLE


# ----------------------------------------------------------------------------------- QR and fonts


def test_qr_widget_encodes_the_url_as_given() -> None:
    widget = qr_code_widget(CERT_URL, 100)
    assert widget.value == CERT_URL
    assert widget.barLevel == "M"


def test_qr_widget_needs_a_value() -> None:
    with pytest.raises(ValueError):
        qr_code_widget("", 100)


def test_documents_are_frozen(ticket: AdmissionTicketDoc) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ticket.seat_number = "B-1"  # type: ignore[misc]


def test_font_that_cannot_be_loaded_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "_font_name", None)
    with pytest.raises(ValueError):
        configure_font("/nonexistent/font.ttf")


def test_cid_font_is_chosen_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given
    monkeypatch.setattr(pdf, "_font_name", None)
    monkeypatch.setenv(pdf.FONT_ENV_VAR, "cid")
    # When / Then
    assert pdf._font() == pdf.CID_FONT


def test_unloadable_font_in_environment_falls_back_to_cid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "_font_name", None)
    monkeypatch.setenv(pdf.FONT_ENV_VAR, "/nonexistent/font.ttf")
    assert pdf._font() == pdf.CID_FONT
