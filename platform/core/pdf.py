"""Printable documents: the admission ticket (准考证) and the certificate (安全生产考核合格证书).

Pure functions from a frozen dataclass to PDF bytes: one A4 page each, Chinese text, a QR code that
encodes the public verification URL, and an optional photo. No Django, no database.

Fonts: by default the text is set in reportlab's built-in CID font ``STSong-Light``. It needs no font
file, but it is *not embedded*: the viewer supplies the glyphs (every Chinese desktop and phone does;
Adobe Reader may offer its Asian font pack; a Linux box without any CJK font shows boxes). To embed
the glyphs instead (a subset, a few dozen KB), a TrueType font (.ttf/.ttc with TrueType outlines,
e.g. WenQuanYi Zen Hei, AR PL UMing, Droid Sans Fallback; not CFF/OTF such as Noto Sans CJK) is used
when one is found: the path in the ``PLATFORM_PDF_FONT`` environment variable (``cid`` forces the
CID font), else the first of a few well-known system paths. `configure_font` overrides both.

Times: aware datetimes are printed in Beijing time (the platform's provinces all keep it); naive
ones are printed as given.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from core.errors import DomainError, ErrorCode

__all__ = [
    "DEFAULT_CERTIFICATE_STATEMENT",
    "DEFAULT_TICKET_NOTICES",
    "FONT_ENV_VAR",
    "AdmissionTicketDoc",
    "ApplicationFormDoc",
    "CertificateDoc",
    "configure_font",
    "qr_code_widget",
    "render_admission_ticket",
    "render_application_form",
    "render_certificate",
]

logger = logging.getLogger(__name__)

FONT_ENV_VAR = "PLATFORM_PDF_FONT"
CID_FONT = "STSong-Light"
_SYSTEM_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)
BEIJING = ZoneInfo("Asia/Shanghai")

DEFAULT_TICKET_NOTICES: tuple[str, ...] = (
    "考生须凭本准考证和有效身份证件原件参加考试，证件不全者不得入场。",
    "请于考试开始前30分钟到达考点，核验身份后按座位号就座；考试开始15分钟后不得入场。",
    "除规定文具外，不得携带手机、智能手表等电子设备及任何资料进入考场。",
    "考试期间须遵守考场纪律，服从监考人员管理，违纪舞弊者按有关规定处理。",
    "本准考证请妥善保管，可扫描二维码核验真伪。",
)
DEFAULT_CERTIFICATE_STATEMENT = "经考核，持证人具备相应的安全生产知识和管理能力，考核合格，特发此证。"

_MAX_FIELD_CHARS = 200  # longer values are cut (with "…") so that a page can never overflow
_INK = colors.black
_RULE = colors.Color(0.2, 0.2, 0.2)
_LABEL_BG = colors.Color(0.93, 0.94, 0.96)
_MUTED = colors.Color(0.35, 0.35, 0.35)
_ACCENT = colors.Color(0.55, 0.08, 0.08)

PAGE_W, PAGE_H = A4
_MARGIN = 18 * mm
_CONTENT_W = PAGE_W - 2 * _MARGIN
_LABEL_W = 30 * mm
_PHOTO_COL_W = 40 * mm
_PHOTO_W, _PHOTO_H = 30 * mm, 42 * mm  # 5:7, a "2-inch" ID photo scaled down
_TOP_ROW_H = 10 * mm


# --------------------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class AdmissionTicketDoc:
    """What a 准考证 shows. Strings are printed as given: mask the ID number before."""

    province_name: str
    candidate_name: str
    id_number_masked: str
    exam_plan_name: str
    exam_type: str
    subject_name: str
    site_name: str
    site_address: str
    session_start: datetime
    session_end: datetime
    seat_number: str
    ticket_number: str
    verify_url: str
    photo: bytes | None = None  # JPEG or PNG
    notices: tuple[str, ...] = DEFAULT_TICKET_NOTICES
    printed_at: datetime | None = None
    title: str = "准考证"


@dataclass(frozen=True)
class CertificateDoc:
    """What a certificate shows. Strings are printed as given: mask the ID number before."""

    holder_name: str
    id_number_masked: str
    category: str
    employer: str
    certificate_number: str
    issue_date: date
    valid_until: date
    issuing_authority: str
    verify_url: str
    photo: bytes | None = None  # JPEG or PNG
    province_name: str = ""
    title: str = "安全生产考核合格证书"
    # Printed when given (seed 000 §9.3): "男 · 1990年01月01日 · 汉族"
    gender: str = ""
    birth_date: date | None = None
    ethnicity: str = ""
    statement: str = DEFAULT_CERTIFICATE_STATEMENT


# ------------------------------------------------------------------------------------------- fonts

_font_lock = threading.Lock()
_font_name: str | None = None


def configure_font(path: str | os.PathLike[str] | None) -> str:
    """Set the font of every later document and return its reportlab name.

    ``path`` is a TrueType .ttf/.ttc to embed (subset); None selects the built-in, non-embedded
    ``STSong-Light`` CID font. A font that cannot be loaded raises ``ValueError``.
    """
    global _font_name
    with _font_lock:
        _font_name = _register_ttf(os.fspath(path)) if path is not None else _register_cid()
        return _font_name


def _font() -> str:
    global _font_name
    if _font_name is not None:
        return _font_name
    with _font_lock:
        if _font_name is None:
            _font_name = _choose_default_font()
        return _font_name


def _choose_default_font() -> str:
    configured = os.environ.get(FONT_ENV_VAR, "").strip()
    if configured.lower() == "cid":
        return _register_cid()
    if configured:
        try:
            return _register_ttf(configured)
        except ValueError:
            logger.warning("%s=%s cannot be loaded; falling back to %s", FONT_ENV_VAR, configured, CID_FONT)
            return _register_cid()
    for candidate in _SYSTEM_FONT_CANDIDATES:
        if os.path.isfile(candidate):
            try:
                return _register_ttf(candidate)
            except ValueError:
                continue
    return _register_cid()


def _register_cid() -> str:
    if CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


def _register_ttf(path: str) -> str:
    name = "CJK-" + os.path.splitext(os.path.basename(path))[0]
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    try:
        font = TTFont(name, path, subfontIndex=0) if path.lower().endswith(".ttc") else TTFont(name, path)
        pdfmetrics.registerFont(font)
    except Exception as exc:  # reportlab raises TTFError, OSError, struct.error … for a bad file
        raise ValueError(f"cannot use {path!r} as a PDF font: {exc}") from exc
    return name


# ----------------------------------------------------------------------------------------- helpers


def _clip(text: str, limit: int = _MAX_FIELD_CHARS) -> str:
    text = re.sub(r"\s*[\r\n\t]+\s*", " ", str(text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _local(moment: datetime) -> datetime:
    return moment.astimezone(BEIJING) if moment.tzinfo is not None else moment


def _fmt_date(day: date) -> str:
    if isinstance(day, datetime):
        day = _local(day).date()
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def _fmt_datetime(moment: datetime) -> str:
    moment = _local(moment)
    return f"{_fmt_date(moment.date())} {moment:%H:%M}"


def _fmt_session(start: datetime, end: datetime) -> str:
    start, end = _local(start), _local(end)
    if start.date() == end.date():
        return f"{_fmt_date(start.date())} {start:%H:%M}—{end:%H:%M}"
    return f"{_fmt_datetime(start)} 至 {_fmt_datetime(end)}"


def _style(size: float, *, align: int = TA_LEFT, color: Any = _INK, leading: float | None = None) -> Any:
    return ParagraphStyle(
        f"s{size}-{align}",
        fontName=_font(),
        fontSize=size,
        leading=leading if leading is not None else size * 1.3,
        alignment=align,
        textColor=color,
        wordWrap="CJK",
    )


def _para(text: str, style: Any) -> Any:
    return Paragraph(escape(_clip(text)), style)


def _fitted(text: str, size: float, width: float, height: float, *, align: int = TA_LEFT) -> Any:
    """A paragraph of `text` whose font is shrunk until it fits the box."""
    while True:
        para = _para(text, _style(size, align=align))
        _, needed = para.wrap(width, height)
        if needed <= height or size <= 6:
            return para
        size -= 0.5


def _text_width(text: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, _font(), size))


def _draw_bold_centered(canvas: Any, text: str, y: float, size: float, color: Any = _INK) -> None:
    """Fake bold (fill + stroke): neither the CID font nor most CJK TrueType fonts have a bold face."""
    text_obj = canvas.beginText()
    text_obj.setTextRenderMode(2)
    text_obj.setFont(_font(), size)
    text_obj.setTextOrigin((PAGE_W - _text_width(text, size)) / 2, y)
    canvas.saveState()
    canvas.setLineWidth(size / 30)
    canvas.setStrokeColor(color)
    canvas.setFillColor(color)
    text_obj.textOut(text)
    canvas.drawText(text_obj)
    canvas.restoreState()


def _draw_centered(canvas: Any, text: str, y: float, size: float, color: Any = _INK) -> None:
    canvas.saveState()
    canvas.setFont(_font(), size)
    canvas.setFillColor(color)
    canvas.drawCentredString(PAGE_W / 2, y, text)
    canvas.restoreState()


def _spaced(title: str) -> str:
    """准考证 → 准 考 证: short titles look better letter-spaced."""
    return " ".join(title) if len(title) <= 4 else title


def _read_photo(photo: bytes | None) -> Any:
    if not photo:
        return None
    try:
        reader = ImageReader(BytesIO(photo))
        width, height = reader.getSize()
    except Exception as exc:  # PIL / reportlab raise many kinds for a bad image
        raise DomainError(ErrorCode.IMAGE_UNREADABLE, field="photo") from exc
    if width <= 0 or height <= 0:
        raise DomainError(ErrorCode.IMAGE_UNREADABLE, field="photo")
    return reader


def _draw_photo(canvas: Any, reader: Any, x: float, y: float, width: float, height: float) -> None:
    """The photo inside the box (x, y, width, height), centred, aspect ratio kept, or a placeholder."""
    canvas.saveState()
    if reader is None:
        canvas.setStrokeColor(colors.Color(0.6, 0.6, 0.6))
        canvas.setDash(2, 2)
        canvas.setLineWidth(0.5)
        canvas.rect(x, y, width, height)
        canvas.setFont(_font(), 10)
        canvas.setFillColor(_MUTED)
        canvas.drawCentredString(x + width / 2, y + height / 2 - 3, "照片")
    else:
        img_w, img_h = reader.getSize()
        scale = min(width / img_w, height / img_h)
        draw_w, draw_h = img_w * scale, img_h * scale
        canvas.drawImage(reader, x + (width - draw_w) / 2, y + (height - draw_h) / 2, draw_w, draw_h, mask="auto")
    canvas.restoreState()


def qr_code_widget(value: str, size: float) -> Any:
    """The QR widget used on the documents (error correction M, 4-module quiet zone)."""
    if not value:
        raise ValueError("a QR code needs a value")
    return QrCodeWidget(value, barWidth=size, barHeight=size, barBorder=4, barLevel="M")


def _draw_qr(canvas: Any, value: str, x: float, y: float, size: float) -> None:
    drawing = Drawing(size, size)
    drawing.add(qr_code_widget(value, size))
    renderPDF.draw(drawing, canvas, x, y)


def _photo_block(rows: Sequence[tuple[str, str, float]], row_h: float = _TOP_ROW_H) -> Any:
    """Label/value rows of fixed height beside an empty photo column (the photo is drawn after)."""
    value_w = _CONTENT_W - _PHOTO_COL_W - _LABEL_W
    cells = [
        [
            _fitted(label, 11, _LABEL_W - 4, row_h - 2, align=TA_CENTER),
            _fitted(value, size, value_w - 8, row_h - 2),
        ]
        for label, value, size in rows
    ]
    inner = Table(cells, colWidths=[_LABEL_W, value_w], rowHeights=[row_h] * len(rows))
    inner.setStyle(
        TableStyle(
            [
                ("INNERGRID", (0, 0), (-1, -1), 0.6, _RULE),
                ("BACKGROUND", (0, 0), (0, -1), _LABEL_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    outer = Table(
        [[inner, Spacer(_PHOTO_COL_W, row_h * len(rows))]],
        colWidths=[_CONTENT_W - _PHOTO_COL_W, _PHOTO_COL_W],
    )
    outer.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.0, _RULE),
                ("LINEAFTER", (0, 0), (0, 0), 0.6, _RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return outer


def _rows_table(rows: Sequence[tuple[str, str]], size: float, row_h: float = _TOP_ROW_H) -> Any:
    """Full-width label/value rows that grow with their text; `row_h` high for one line."""
    value_w = _CONTENT_W - _LABEL_W
    pad = max(2.0, (row_h - size * 1.3) / 2)
    table = Table(
        [[_para(label, _style(11, align=TA_CENTER)), _para(value, _style(size))] for label, value in rows],
        colWidths=[_LABEL_W, value_w],
    )
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.0, _RULE),
                ("INNERGRID", (0, 0), (-1, -1), 0.6, _RULE),
                ("BACKGROUND", (0, 0), (0, -1), _LABEL_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), pad),
                ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
            ]
        )
    )
    return table


def _new_canvas(buffer: BytesIO, *, title: str, subject: str, author: str) -> Any:
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setSubject(subject)
    canvas.setAuthor(author)
    canvas.setCreator("transport safety qualification platform")
    return canvas


def _place(canvas: Any, flowable: Any, top: float) -> float:
    """Draw `flowable` with its top edge at `top`; return its bottom edge."""
    _, height = flowable.wrapOn(canvas, _CONTENT_W, PAGE_H)
    flowable.drawOn(canvas, _MARGIN, top - height)
    return float(top - height)


def _height(canvas: Any, flowable: Any) -> float:
    _, height = flowable.wrapOn(canvas, _CONTENT_W, PAGE_H)
    return float(height)


# ---------------------------------------------------------------------------------- admission ticket


def render_admission_ticket(ticket: AdmissionTicketDoc) -> bytes:
    """The 准考证 as a one-page A4 PDF. An unreadable photo raises IMAGE_UNREADABLE."""
    photo = _read_photo(ticket.photo)
    buffer = BytesIO()
    canvas = _new_canvas(
        buffer,
        title=f"{ticket.title} {ticket.ticket_number}",
        subject=f"{ticket.province_name} {ticket.exam_plan_name}",
        author=ticket.province_name,
    )

    # Header
    top = PAGE_H - _MARGIN
    heading = f"{_clip(ticket.province_name, 30)}交通运输行业安全生产考核"
    _draw_centered(canvas, heading, top - 14, 14)
    _draw_bold_centered(canvas, _spaced(_clip(ticket.title, 20)), top - 46, 26)
    canvas.setFont(_font(), 10.5)
    canvas.setFillColor(_MUTED)
    canvas.drawRightString(PAGE_W - _MARGIN, top - 64, f"准考证号：{_clip(ticket.ticket_number, 60)}")
    canvas.setFillColor(_INK)
    y = top - 72

    # Candidate block with photo
    block = _photo_block(
        [
            ("姓名", ticket.candidate_name, 13),
            ("身份证号", ticket.id_number_masked, 12),
            ("准考证号", ticket.ticket_number, 12),
            ("考试科目", ticket.subject_name, 12),
            ("座位号", ticket.seat_number, 15),
        ],
        row_h=11 * mm,
    )
    block_bottom = _place(canvas, block, y)
    _draw_photo(
        canvas,
        photo,
        _MARGIN + _CONTENT_W - _PHOTO_COL_W + (_PHOTO_COL_W - _PHOTO_W) / 2,
        block_bottom + (y - block_bottom - _PHOTO_H) / 2,
        _PHOTO_W,
        _PHOTO_H,
    )

    # Exam details, then the notice; shrink the type until everything fits above the footer.
    qr_size = 34 * mm
    footer_top = _MARGIN + 8
    rows = [
        ("考试计划", ticket.exam_plan_name),
        ("考试类型", ticket.exam_type),
        ("考试时间", _fmt_session(ticket.session_start, ticket.session_end)),
        ("考点名称", ticket.site_name),
        ("考点地址", ticket.site_address),
    ]
    notes_w = _CONTENT_W - qr_size - 8 * mm
    for size in (12.0, 11.0, 10.0, 9.0, 8.0, 7.0):
        details = _rows_table(rows, size, row_h=11 * mm)
        notice_style = _style(size - 1.5, leading=(size - 1.5) * 1.55)
        notices = [_para(f"{index}. {text}", notice_style) for index, text in enumerate(ticket.notices[:12], start=1)]
        notices_h = sum(float(n.wrap(notes_w, PAGE_H)[1]) + 2 for n in notices)
        needed = _height(canvas, details) + 12 * mm + max(notices_h, qr_size + 14)
        if block_bottom - needed >= footer_top:
            break
    y = _place(canvas, details, block_bottom)

    # Notice to candidates (left) and QR code (right)
    y -= 11 * mm
    canvas.setFont(_font(), 12.5)
    canvas.drawString(_MARGIN, y, "考生须知")
    canvas.setStrokeColor(_RULE)
    canvas.setLineWidth(0.6)
    canvas.line(_MARGIN, y - 4, _MARGIN + notes_w, y - 4)
    notice_top = y - 8
    for para in notices:
        _, h = para.wrap(notes_w, PAGE_H)
        para.drawOn(canvas, _MARGIN, notice_top - h)
        notice_top -= h + 2
    qr_x = PAGE_W - _MARGIN - qr_size
    _draw_qr(canvas, ticket.verify_url, qr_x, y - qr_size + 10, qr_size)
    canvas.setFont(_font(), 9)
    canvas.setFillColor(_MUTED)
    canvas.drawCentredString(qr_x + qr_size / 2, y - qr_size + 2, "扫码核验准考证")

    # Footer
    canvas.setStrokeColor(colors.Color(0.7, 0.7, 0.7))
    canvas.setLineWidth(0.4)
    canvas.line(_MARGIN, footer_top, PAGE_W - _MARGIN, footer_top)
    canvas.setFont(_font(), 8.5)
    canvas.setFillColor(_MUTED)
    if ticket.printed_at is not None:
        canvas.drawString(_MARGIN, _MARGIN - 2, f"打印时间：{_fmt_datetime(ticket.printed_at)}")
    canvas.drawRightString(PAGE_W - _MARGIN, _MARGIN - 2, "请使用A4纸打印，保持字迹、照片及二维码清晰")

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------- certificate


def render_certificate(cert: CertificateDoc) -> bytes:
    """The certificate as a one-page A4 PDF. An unreadable photo raises IMAGE_UNREADABLE."""
    photo = _read_photo(cert.photo)
    buffer = BytesIO()
    canvas = _new_canvas(
        buffer,
        title=f"{cert.title} {cert.certificate_number}",
        subject=cert.category,
        author=cert.issuing_authority,
    )

    # Frame: a heavy outer rule and a fine inner one
    canvas.setStrokeColor(_ACCENT)
    canvas.setLineWidth(2.4)
    canvas.rect(10 * mm, 10 * mm, PAGE_W - 20 * mm, PAGE_H - 20 * mm)
    canvas.setLineWidth(0.7)
    canvas.rect(13 * mm, 13 * mm, PAGE_W - 26 * mm, PAGE_H - 26 * mm)

    top = PAGE_H - _MARGIN - 6 * mm
    title = _clip(cert.title, 24)
    title_size = 28.0 if len(title) <= 10 else max(16.0, 280 / len(title))
    _draw_bold_centered(canvas, title, top - 30, title_size, _ACCENT)
    y = top - 42
    if cert.province_name:
        _draw_centered(canvas, _clip(cert.province_name, 40), y - 10, 13, _MUTED)
        y -= 18
    y -= 22

    personal = " · ".join(
        part for part in (cert.gender, _fmt_date(cert.birth_date) if cert.birth_date else "", cert.ethnicity) if part
    )
    block = _photo_block(
        [
            ("姓名", cert.holder_name, 14),
            *([("性别/出生/民族", personal, 12)] if personal else []),
            ("身份证号", cert.id_number_masked, 12),
            ("证书类别", cert.category, 12),
            ("工作单位", cert.employer, 12),
            ("证书编号", cert.certificate_number, 13),
        ],
        row_h=12 * mm,
    )
    block_bottom = _place(canvas, block, y)
    _draw_photo(
        canvas,
        photo,
        _MARGIN + _CONTENT_W - _PHOTO_COL_W + (_PHOTO_COL_W - _PHOTO_W) / 2,
        block_bottom + (y - block_bottom - _PHOTO_H) / 2,
        _PHOTO_W,
        _PHOTO_H,
    )
    details = _rows_table(
        [
            ("发证日期", _fmt_date(cert.issue_date)),
            ("有效期至", _fmt_date(cert.valid_until)),
            ("发证机关", cert.issuing_authority),
        ],
        12,
        row_h=12 * mm,
    )
    y = _place(canvas, details, block_bottom)

    # Statement, centred in the space between the table and the seal area anchored near the bottom
    qr_size = 36 * mm
    qr_x, qr_y = _MARGIN + 4 * mm, 36 * mm
    statement_w = _CONTENT_W - 16 * mm
    statement = _para(cert.statement, ParagraphStyle("statement", parent=_style(14, leading=26), firstLineIndent=28))
    _, statement_h = statement.wrapOn(canvas, statement_w, PAGE_H)
    free_top, free_bottom = y, qr_y + qr_size + 10 * mm
    statement_y = max(free_bottom, (free_top + free_bottom + statement_h) / 2 - statement_h)
    statement.drawOn(canvas, _MARGIN + 8 * mm, statement_y)

    # QR code (left) and the issuing authority with the date, where the seal goes (right)
    _draw_qr(canvas, cert.verify_url, qr_x, qr_y, qr_size)
    canvas.setFont(_font(), 9)
    canvas.setFillColor(_MUTED)
    canvas.drawCentredString(qr_x + qr_size / 2, qr_y - 8, "扫码查验证书真伪")
    canvas.setFont(_font(), 14)
    canvas.setFillColor(_INK)
    seal_x = PAGE_W - _MARGIN - 8 * mm
    canvas.drawRightString(seal_x, qr_y + qr_size / 2 + 6, _clip(cert.issuing_authority, 40))
    canvas.drawRightString(seal_x, qr_y + qr_size / 2 - 18, _fmt_date(cert.issue_date))
    if len(cert.verify_url) <= 120:
        canvas.setFont(_font(), 7.5)
        canvas.setFillColor(_MUTED)
        canvas.drawCentredString(PAGE_W / 2, 18 * mm, cert.verify_url)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------- application forms


@dataclass(frozen=True)
class ApplicationFormDoc:
    """A pre-filled application form (单位信息变更申请表, 延续申请表): rows of label and value, then the
    places to sign and stamp. Strings are printed as given."""

    title: str
    rows: Sequence[tuple[str, str]]
    reference: str = ""
    signature_lines: Sequence[str] = ("申请人（签字）：", "单位（盖章）：", "日期：")


def render_application_form(form: ApplicationFormDoc) -> bytes:
    """One A4 page: the title, the rows, and the signature and stamp lines to fill in by hand."""
    buffer = BytesIO()
    canvas = _new_canvas(buffer, title=form.title, subject=form.reference or form.title, author="")
    top = PAGE_H - _MARGIN
    _draw_bold_centered(canvas, _clip(form.title, 30), top - 24, 20)
    if form.reference:
        _draw_centered(canvas, _clip(form.reference, 60), top - 44, 10, _MUTED)
    bottom = _place(canvas, _rows_table([(_clip(k, 12), _clip(v)) for k, v in form.rows], 11), top - 60)
    canvas.setFont(_font(), 12)
    canvas.setFillColor(_INK)
    y = bottom - 40
    for line in form.signature_lines:
        canvas.drawString(_MARGIN + PAGE_W / 2 - 30 * mm, y, _clip(line, 30))
        y -= 28
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def pdf_render_take(*, account_id: int) -> None:
    """Spend one PDF rendering of the account's budget (issue 17: PDFs cost CPU): at most
    PLATFORM_PDFS_PER_ACCOUNT_PER_10_MINUTES per account, else RATE_LIMITED with `params.until`."""
    from datetime import timedelta

    from django.conf import settings

    from accounts.throttle import throttle_take

    throttle_take(
        key=f"pdf:account:{account_id}", limit=settings.PLATFORM_PDFS_PER_ACCOUNT_PER_10_MINUTES,
        window=timedelta(minutes=10),
    )
