"""Validation and cleaning of uploaded images and documents (avatars, ID card photos, proof documents).

Pure functions over bytes: no Django, no storage. Everything is judged by content, never by the client's
file name or Content-Type; the name only has to *agree* with what the content is.

Images (`validate_image`) — checks in this order, each failing with a stable `ErrorCode`:

1. empty → FILE_EMPTY; larger than `max_bytes` → FILE_TOO_LARGE (nothing is parsed before that);
2. magic bytes: only JPEG (FF D8 FF) and PNG (89 50 4E 47 0D 0A 1A 0A) → else FILE_TYPE_NOT_ALLOWED;
3. our own structural walk of the container (PNG chunks with CRCs; JPEG marker segments and entropy-coded
   scans) gives the dimensions from the header and where the image ends. A broken or truncated structure
   → IMAGE_UNREADABLE. Width × height above `max_pixels` (or above Pillow's `Image.MAX_IMAGE_PIXELS`, so
   Pillow's `DecompressionBombWarning` can never fire) → IMAGE_TOO_MANY_PIXELS, before Pillow sees a byte:
   Pillow only *warns* up to 2× its limit, and a 12 KiB PNG can claim 10000×10000 pixels. A smaller
   side below `min_side` → IMAGE_TOO_SMALL;
4. polyglots → FILE_TYPE_NOT_ALLOWED: bytes after the JPEG EOI / PNG IEND (a tolerance of a few padding
   bytes: NUL, whitespace, 0xFF), content that is also a ZIP (`zipfile.is_zipfile`), a PDF header
   (`%PDF-` anywhere: readers look far beyond offset 0) or HTML/PHP markup (`<script`, `<html`, …);
5. full decode by Pillow (`formats=JPEG/PNG` only, `LOAD_TRUNCATED_IMAGES` forced off) → IMAGE_UNREADABLE;
6. the file name's extension: .jpg/.jpeg for JPEG, .png for PNG; one of those for the other format →
   FILE_EXTENSION_MISMATCH; none or any other extension → FILE_TYPE_NOT_ALLOWED;
7. re-encode from pixels only: EXIF orientation applied (`ImageOps.exif_transpose`), then saved with an
   empty `info`, so no EXIF (GPS, device), ICC profile, XMP, comments or text chunks survive. JPEG at
   quality 90 in L or RGB (CMYK and others → RGB); PNG in 1/L/LA/I/I;16/RGB/RGBA (palette → RGB or RGBA,
   tRNS transparency → an alpha band). The stored bytes are always ours, never the upload's; they can be
   somewhat larger than the upload (quality 90 of a quality-75 source), bounded by `max_pixels`.

Known consequence: phone JPEGs carrying a trailer after EOI (MPF extra frames, "motion photos") are
refused as polyglots; they are far above 500 KB anyway and any resize/compress tool drops the trailer.

Documents (`validate_document`): PDF (`%PDF-x.y` at offset 0 and `%%EOF` in the last KiB), Word 97 DOC
(OLE2 header D0CF11E0A1B11AE1 with a sane header and a `WordDocument` stream name; refused if it carries
a VBA/macro storage), DOCX (a ZIP whose central directory lists `[Content_Types].xml` and `word/` parts;
only declared sizes are looked at, nothing is extracted: too many entries, a declared total above
`_ZIP_MAX_DECLARED_BYTES`, encrypted entries, absolute or `..` names, duplicates or a `vbaProject.bin`
are refused), and JPEG/PNG, which go through the image pipeline above. The extension must agree with the
kind: an allowed extension of another kind → FILE_EXTENSION_MISMATCH, any other → FILE_TYPE_NOT_ALLOWED.
Non-image documents are returned byte for byte (they cannot be re-encoded here); serve them with the
returned `content_type`, `Content-Disposition: attachment` and `X-Content-Type-Options: nosniff`.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Final, Literal

from PIL import Image, ImageFile, ImageOps

from core.errors import DomainError, ErrorCode

logger = logging.getLogger(__name__)

ImageFormat = Literal["JPEG", "PNG"]
DocumentKind = Literal["pdf", "doc", "docx", "jpg", "png"]

DEFAULT_MAX_BYTES: Final = 500 * 1024
DEFAULT_MAX_PIXELS: Final = 25_000_000
DEFAULT_MIN_SIDE: Final = 64
JPEG_QUALITY: Final = 90

_JPEG_MAGIC: Final = b"\xff\xd8\xff"
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
_PDF_MAGIC: Final = b"%PDF-"
_OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC: Final = b"PK\x03\x04"

# Bytes after the image's end marker that are tolerated as padding some encoders leave behind.
_TRAILER_TOLERANCE: Final = 32
_TRAILER_PADDING: Final = frozenset(b"\x00\xff\r\n\t ")
# A progressive JPEG has ~10 scans; thousands of tiny scans are a known CPU-exhaustion trick.
_JPEG_MAX_SCANS: Final = 100
# HTML / script markup that makes an "image" dangerous if a browser ever sniffs it. Each pattern is
# long enough that compressed pixel data matches it by chance with negligible probability.
_MARKUP: Final = re.compile(rb"<(?:script|html|iframe|object|embed|body)\b|<!doctype|<\?php", re.IGNORECASE)

_ZIP_MAX_ENTRIES: Final = 2_000
_ZIP_MAX_DECLARED_BYTES: Final = 50 * 1024 * 1024

_IMAGE_EXTENSIONS: Final[dict[str, ImageFormat]] = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG"}
_IMAGE_CONTENT_TYPES: Final[dict[ImageFormat, str]] = {"JPEG": "image/jpeg", "PNG": "image/png"}
_IMAGE_CANONICAL_EXTENSION: Final[dict[ImageFormat, Literal["jpg", "png"]]] = {"JPEG": "jpg", "PNG": "png"}
_DOCUMENT_EXTENSIONS: Final[dict[str, DocumentKind]] = {
    "pdf": "pdf",
    "doc": "doc",
    "docx": "docx",
    "jpg": "jpg",
    "jpeg": "jpg",
    "png": "png",
}
_DOCUMENT_CONTENT_TYPES: Final[dict[DocumentKind, str]] = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "jpg": "image/jpeg",
    "png": "image/png",
}
# Pillow's decoders report these errors for broken input (SyntaxError is used by several plugins).
_DECODE_ERRORS: Final = (OSError, ValueError, SyntaxError, EOFError, IndexError, struct.error, zlib.error)


@dataclass(frozen=True, slots=True)
class CleanImage:
    """A decoded, re-encoded image: `content` holds only pixels (no EXIF/GPS, ICC, text)."""

    content: bytes
    format: ImageFormat
    width: int
    height: int
    content_type: str
    extension: Literal["jpg", "png"]  # canonical, without the dot


@dataclass(frozen=True, slots=True)
class CleanDocument:
    """An accepted document; images among them are re-encoded, other kinds are returned as uploaded."""

    content: bytes
    kind: DocumentKind
    content_type: str
    extension: DocumentKind  # canonical, without the dot ("jpg" also for .jpeg)


@dataclass(frozen=True, slots=True)
class _Layout:
    format: ImageFormat
    width: int
    height: int
    end: int  # offset just past the JPEG EOI / PNG IEND chunk


# --------------------------------------------------------------------------------------------- public


def validate_image(
    data: bytes,
    *,
    filename: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_side: int = DEFAULT_MIN_SIDE,
    field: str | None = None,
) -> CleanImage:
    """Accept a real JPEG or PNG and return it re-encoded without metadata, or raise `DomainError`.

    `field` is passed on to every `DomainError` (the input's name in the API, e.g. "idCardFront").
    """
    _check_size(data, max_bytes=max_bytes, field=field)
    image_format = _sniff_image(data)
    if image_format is None:
        raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, field=field)
    decoded = _decode_image(data, image_format, max_pixels=max_pixels, min_side=min_side, field=field)
    try:
        extension = _extension(filename)
        expected = _IMAGE_EXTENSIONS.get(extension)
        if expected is None:
            raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, field=field)
        if expected != image_format:
            raise DomainError(ErrorCode.FILE_EXTENSION_MISMATCH, field=field)
        return _reencode(decoded, image_format, field=field)
    finally:
        decoded.close()


def validate_document(
    data: bytes,
    *,
    filename: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    field: str | None = None,
) -> CleanDocument:
    """Accept a PDF, DOC, DOCX, JPEG or PNG judged by its bytes, or raise `DomainError`."""
    _check_size(data, max_bytes=max_bytes, field=field)
    extension = _extension(filename)
    image_format = _sniff_image(data)
    if image_format is not None:
        decoded = _decode_image(
            data, image_format, max_pixels=DEFAULT_MAX_PIXELS, min_side=DEFAULT_MIN_SIDE, field=field
        )
        try:
            kind: DocumentKind = _IMAGE_CANONICAL_EXTENSION[image_format]
            _check_document_extension(extension, kind, field=field)
            clean = _reencode(decoded, image_format, field=field)
        finally:
            decoded.close()
        return CleanDocument(content=clean.content, kind=kind, content_type=clean.content_type, extension=kind)

    if data.startswith(_PDF_MAGIC):
        _check_pdf(data, field=field)
        kind = "pdf"
    elif data.startswith(_OLE2_MAGIC):
        _check_doc(data, field=field)
        kind = "doc"
    elif data.startswith(_ZIP_MAGIC):
        _check_docx(data, field=field)
        kind = "docx"
    else:
        raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, field=field)
    _check_document_extension(extension, kind, field=field)
    return CleanDocument(content=bytes(data), kind=kind, content_type=_DOCUMENT_CONTENT_TYPES[kind], extension=kind)


# ---------------------------------------------------------------------------------------- shared steps


def _check_size(data: bytes, *, max_bytes: int, field: str | None) -> None:
    if not data:
        raise DomainError(ErrorCode.FILE_EMPTY, field=field)
    if len(data) > max_bytes:
        raise DomainError(ErrorCode.FILE_TOO_LARGE, field=field, params={"max_bytes": max_bytes})


def _extension(filename: str) -> str:
    """Lower-case extension without the dot; "" when there is none.

    Browsers may send a full client path ("C:\\fakepath\\a.jpg"); Windows ignores trailing dots and spaces.
    """
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().rstrip(". ")
    if "\x00" in name:
        return ""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        return ""
    return extension.lower()


def _check_document_extension(extension: str, kind: DocumentKind, *, field: str | None) -> None:
    claimed = _DOCUMENT_EXTENSIONS.get(extension)
    if claimed is None:
        raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, field=field)
    if claimed != kind:
        raise DomainError(ErrorCode.FILE_EXTENSION_MISMATCH, field=field)


# ---------------------------------------------------------------------------------------------- images


def _sniff_image(data: bytes) -> ImageFormat | None:
    if data.startswith(_JPEG_MAGIC):
        return "JPEG"
    if data.startswith(_PNG_MAGIC):
        return "PNG"
    return None


def _decode_image(
    data: bytes, image_format: ImageFormat, *, max_pixels: int, min_side: int, field: str | None
) -> Image.Image:
    """Steps 3–5: header walk and pixel budget, polyglot refusal, then a full decode. Returns a loaded image."""
    try:
        layout = _walk_png(data) if image_format == "PNG" else _walk_jpeg(data)
    except _Malformed as error:
        raise DomainError(ErrorCode.IMAGE_UNREADABLE, field=field) from error

    pixel_budget = max_pixels
    if Image.MAX_IMAGE_PIXELS is not None:
        pixel_budget = min(pixel_budget, Image.MAX_IMAGE_PIXELS)
    if layout.width * layout.height > pixel_budget:
        raise DomainError(
            ErrorCode.IMAGE_TOO_MANY_PIXELS,
            field=field,
            params={"width": layout.width, "height": layout.height, "max_pixels": pixel_budget},
        )
    if min(layout.width, layout.height) < min_side:
        raise DomainError(ErrorCode.IMAGE_TOO_SMALL, field=field, params={"min_side": min_side})

    if _is_polyglot(data, layout.end):
        raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, field=field)

    if ImageFile.LOAD_TRUNCATED_IMAGES:
        logger.warning("PIL.ImageFile.LOAD_TRUNCATED_IMAGES was True; forcing it off for upload validation")
        ImageFile.LOAD_TRUNCATED_IMAGES = False

    image: Image.Image | None = None
    try:
        image = Image.open(io.BytesIO(data), formats=("JPEG", "PNG"))
        # MPO is Pillow's name for a JPEG with a multi-picture header; the bytes are still one JPEG here.
        opened_format = "JPEG" if image.format == "MPO" else image.format
        if opened_format != image_format or image.size != (layout.width, layout.height):
            raise DomainError(ErrorCode.IMAGE_UNREADABLE, field=field)
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        _close(image)
        raise DomainError(ErrorCode.IMAGE_TOO_MANY_PIXELS, field=field) from error
    except DomainError:
        _close(image)
        raise
    except _DECODE_ERRORS as error:  # includes UnidentifiedImageError and "image file is truncated"
        _close(image)
        raise DomainError(ErrorCode.IMAGE_UNREADABLE, field=field) from error
    return image


def _close(image: Image.Image | None) -> None:
    if image is not None:
        image.close()


def _is_polyglot(data: bytes, end: int) -> bool:
    trailer = data[end:]
    if len(trailer) > _TRAILER_TOLERANCE or any(byte not in _TRAILER_PADDING for byte in trailer):
        return True
    if _PDF_MAGIC in data or _MARKUP.search(data) is not None:
        return True
    return zipfile.is_zipfile(io.BytesIO(data))


def _reencode(image: Image.Image, image_format: ImageFormat, *, field: str | None) -> CleanImage:
    try:
        try:
            pixels = ImageOps.exif_transpose(image)  # always a new image, orientation applied
        except _DECODE_ERRORS:  # a broken EXIF block must not cost a good picture: orientation is ignored
            pixels = image.copy()
        pixels = _convert_for(pixels, image_format)
        pixels.info = {}  # the savers read icc_profile, transparency, comment … from here
        out = io.BytesIO()
        if image_format == "JPEG":
            pixels.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        else:
            pixels.save(out, format="PNG")
    except _DECODE_ERRORS as error:
        raise DomainError(ErrorCode.IMAGE_UNREADABLE, field=field) from error
    return CleanImage(
        content=out.getvalue(),
        format=image_format,
        width=pixels.width,
        height=pixels.height,
        content_type=_IMAGE_CONTENT_TYPES[image_format],
        extension=_IMAGE_CANONICAL_EXTENSION[image_format],
    )


def _convert_for(image: Image.Image, image_format: ImageFormat) -> Image.Image:
    mode = image.mode
    has_transparency = "transparency" in image.info
    if image_format == "JPEG":
        return image if mode in ("L", "RGB") else image.convert("RGB")
    if mode in ("P", "PA"):
        return image.convert("RGBA" if has_transparency or mode == "PA" else "RGB")
    if has_transparency and mode in ("1", "L"):
        return image.convert("LA")
    if has_transparency and mode == "RGB":
        return image.convert("RGBA")
    if mode in ("1", "L", "LA", "I", "I;16", "RGB", "RGBA"):
        return image
    return image.convert("RGBA" if "A" in image.getbands() else "RGB")


class _Malformed(Exception):
    """The container structure is broken or truncated."""


def _walk_png(data: bytes) -> _Layout:
    """Walk the chunks, checking lengths and CRCs; IHDR first, stop at IEND."""
    size = len(data)
    position = len(_PNG_MAGIC)
    width = height = 0
    first = True
    while True:
        if position + 8 > size:
            raise _Malformed("truncated before IEND")
        length, chunk_type = struct.unpack_from(">I4s", data, position)
        if length > 0x7FFFFFFF or not chunk_type.isalpha():
            raise _Malformed("bad chunk header")
        body_start = position + 8
        body_end = body_start + length
        if body_end + 4 > size:
            raise _Malformed("truncated chunk")
        (crc,) = struct.unpack_from(">I", data, body_end)
        if zlib.crc32(data[position + 4 : body_end]) != crc:
            raise _Malformed("bad CRC")
        if first:
            if chunk_type != b"IHDR" or length != 13:
                raise _Malformed("IHDR is not first")
            width, height = struct.unpack_from(">II", data, body_start)
            if not (0 < width <= 0x7FFFFFFF and 0 < height <= 0x7FFFFFFF):
                raise _Malformed("bad dimensions")
            first = False
        position = body_end + 4
        if chunk_type == b"IEND":
            return _Layout("PNG", width, height, position)


# SOF markers carrying frame dimensions (C4 = DHT, C8 = JPG extension, CC = DAC are not frames).
_JPEG_SOF: Final = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_JPEG_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0–7


def _walk_jpeg(data: bytes) -> _Layout:
    """Walk the marker segments (skipping APPn/COM by length, so an EXIF thumbnail's own EOI is never
    mistaken for ours) and the entropy-coded data after each SOS, up to the EOI."""
    size = len(data)
    position = 2  # after SOI
    width = height = 0
    scans = 0
    while True:
        if position >= size or data[position] != 0xFF:
            raise _Malformed("expected a marker")
        while position < size and data[position] == 0xFF:  # fill bytes
            position += 1
        if position >= size:
            raise _Malformed("truncated marker")
        marker = data[position]
        position += 1
        if marker == 0xD9:  # EOI
            if not width:
                raise _Malformed("no frame before EOI")
            return _Layout("JPEG", width, height, position)
        if marker in _JPEG_STANDALONE:
            continue
        if marker in (0x00, 0xD8):
            raise _Malformed("unexpected marker")
        if position + 2 > size:
            raise _Malformed("truncated segment length")
        (length,) = struct.unpack_from(">H", data, position)
        segment_end = position + length
        if length < 2 or segment_end > size:
            raise _Malformed("bad segment length")
        if marker in _JPEG_SOF:
            if width or length < 8:
                raise _Malformed("second or short frame header")
            height, width = struct.unpack_from(">HH", data, position + 3)
            if not (width and height):  # height 0 means "defined later by DNL": not accepted
                raise _Malformed("bad dimensions")
        position = segment_end
        if marker == 0xDA:  # SOS: entropy-coded data follows, up to the next real marker
            scans += 1
            if not width or scans > _JPEG_MAX_SCANS:
                raise _Malformed("scan without frame, or too many scans")
            position = _skip_entropy_coded(data, position)


def _skip_entropy_coded(data: bytes, position: int) -> int:
    size = len(data)
    while True:
        index = data.find(b"\xff", position)
        if index < 0 or index + 1 >= size:
            raise _Malformed("truncated scan")
        following = data[index + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte or restart marker
            position = index + 2
        elif following == 0xFF:  # fill byte before a marker
            position = index + 1
        else:
            return index


# ------------------------------------------------------------------------------------------- documents


def _check_pdf(data: bytes, *, field: str | None) -> None:
    if re.match(rb"%PDF-\d\.\d", data) is None or b"%%EOF" not in data[-1024:]:
        raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, field=field)


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _check_doc(data: bytes, *, field: str | None) -> None:
    """A sniff of the compound-file header and directory names, not a full CFB parse."""
    if len(data) < 1024:
        raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, field=field)
    major_version, byte_order, sector_shift, mini_sector_shift = struct.unpack_from("<HHHH", data, 26)
    if (
        byte_order != 0xFFFE
        or (major_version, sector_shift) not in ((3, 9), (4, 12))
        or mini_sector_shift != 6
        or _utf16("WordDocument") not in data
    ):
        raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, field=field)
    if _utf16("_VBA_PROJECT") in data or _utf16("Macros") in data:
        raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, field=field, params={"reason": "macros"})


def _check_docx(data: bytes, *, field: str | None) -> None:
    """Read the central directory only; declared sizes are trusted for the bomb check since nothing is
    ever extracted here."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, field=field) from error
    names = [entry.filename for entry in entries]
    declared = sum(entry.file_size for entry in entries)
    if (
        len(entries) > _ZIP_MAX_ENTRIES
        or declared > _ZIP_MAX_DECLARED_BYTES
        or len(set(names)) != len(names)
        or any(entry.flag_bits & 0x1 for entry in entries)  # encrypted
        or any(name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") for name in names)
    ):
        raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, field=field)
    if "[Content_Types].xml" not in names or not any(name.startswith("word/") for name in names):
        raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, field=field)
    if any(name.lower().endswith("vbaproject.bin") for name in names):  # a .docm renamed .docx
        raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, field=field, params={"reason": "macros"})
