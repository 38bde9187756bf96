"""Upload validation (core.uploads) against real files made with Pillow, zipfile and hand-built bytes."""

from __future__ import annotations

import io
import json
import os
import random
import struct
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageFile

from core.errors import DomainError, ErrorCode
from core.uploads import CleanDocument, CleanImage, validate_document, validate_image
from tests.support.files import bomb_png, encode, minimal_pdf, photo, png_chunk

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------------------- helpers


def noise(size: tuple[int, int], mode: str = "RGB", seed: int = 0) -> Image.Image:
    """A random-noise picture: incompressible, so its file size is predictable."""
    bands = len(Image.new(mode, (1, 1)).getbands())
    return Image.frombytes(mode, size, random.Random(seed).randbytes(size[0] * size[1] * bands))


def insert_png_chunk(png: bytes, chunk: bytes) -> bytes:
    """Insert a chunk right after IHDR (8-byte signature + 25-byte IHDR chunk)."""
    return png[:33] + chunk + png[33:]


def error_code(call: object, *args: object, **kwargs: object) -> ErrorCode:
    assert callable(call)
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def minimal_docx(extra: dict[str, bytes] | None = None) -> bytes:
    parts = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            b'relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.'
            b'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>\xe5\x8a\xb3\xe5\x8a\xa8\xe5\x90\x88\xe5\x90'
            b"\x8c</w:t></w:r></w:p></w:body></w:document>"
        ),
    }
    parts.update(extra or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return out.getvalue()


def minimal_doc(*, streams: tuple[str, ...] = ("WordDocument", "1Table")) -> bytes:
    """A compound file (CFB v3, 512-byte sectors): header, one FAT sector, one directory sector, one data
    sector — the shape of a Word 97 .doc as far as a sniff can tell."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 44, 1)  # number of FAT sectors
    struct.pack_into("<I", header, 48, 1)  # first directory sector
    struct.pack_into("<I", header, 56, 4096)  # mini stream cutoff
    struct.pack_into("<IIII", header, 60, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    struct.pack_into("<I", header, 76, 0)  # DIFAT[0]: FAT lives in sector 0
    header[80:512] = b"\xff" * 432
    fat = bytearray(b"\xff" * 512)
    struct.pack_into("<III", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFE)
    directory = bytearray()
    for index, name in enumerate(("Root Entry", *streams)):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[0 : len(encoded)] = encoded
        struct.pack_into("<HBB", entry, 64, len(encoded), 5 if index == 0 else 2, 1)
        struct.pack_into("<III", entry, 68, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        struct.pack_into("<II", entry, 116, 0xFFFFFFFE if index == 0 else 2, 0)
        directory += entry
    directory = directory.ljust(512, b"\x00")
    return bytes(header + fat + directory + bytes(512))


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def jpeg_bytes() -> bytes:
    return encode(photo(), "JPEG", quality=85)


@pytest.fixture(scope="module")
def png_bytes() -> bytes:
    return encode(photo(), "PNG")


@pytest.fixture(scope="module")
def bomb_20k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    path.write_bytes(bomb_png(20_000, 20_000))
    return path


@pytest.fixture
def load_truncated_images_on() -> Iterator[None]:
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    yield
    ImageFile.LOAD_TRUNCATED_IMAGES = previous


# ------------------------------------------------------------------------------------- valid images


def test_given_a_valid_jpeg_when_validated_then_it_is_re_encoded_and_decodes(jpeg_bytes: bytes) -> None:
    # When
    clean = validate_image(jpeg_bytes, filename="avatar.jpg")
    # Then
    assert isinstance(clean, CleanImage)
    assert (clean.format, clean.content_type, clean.extension) == ("JPEG", "image/jpeg", "jpg")
    assert (clean.width, clean.height) == (320, 200)
    assert clean.content != jpeg_bytes
    decoded = Image.open(io.BytesIO(clean.content))
    decoded.load()
    assert (decoded.format, decoded.size, decoded.mode) == ("JPEG", (320, 200), "RGB")


def test_given_a_valid_png_when_validated_then_it_is_re_encoded_and_decodes(png_bytes: bytes) -> None:
    # When
    clean = validate_image(png_bytes, filename="身份证人像面.PNG")
    # Then
    assert (clean.format, clean.content_type, clean.extension) == ("PNG", "image/png", "png")
    decoded = Image.open(io.BytesIO(clean.content))
    decoded.load()
    assert decoded.format == "PNG"
    assert decoded.tobytes() == Image.open(io.BytesIO(png_bytes)).tobytes()  # lossless


@pytest.mark.parametrize("filename", ["a.jpeg", "A.JPG", "C:\\fakepath\\id front.jpg", "../../etc/x.jpg", "dots.jpg. "])
def test_given_jpeg_names_with_jpg_or_jpeg_extension_when_validated_then_accepted(
    jpeg_bytes: bytes, filename: str
) -> None:
    assert validate_image(jpeg_bytes, filename=filename).format == "JPEG"


@pytest.mark.parametrize(
    ("mode", "image_format", "options", "expected_mode"),
    [
        ("CMYK", "JPEG", {}, "RGB"),
        ("L", "JPEG", {}, "L"),
        ("P", "PNG", {"transparency": 0}, "RGBA"),
        ("P", "PNG", {}, "RGB"),
        ("LA", "PNG", {}, "LA"),
        ("RGBA", "PNG", {}, "RGBA"),
        ("I;16", "PNG", {}, "I;16"),
        ("1", "PNG", {}, "1"),
    ],
)
def test_given_other_pixel_modes_when_validated_then_converted_sensibly(
    mode: str, image_format: str, options: dict[str, object], expected_mode: str
) -> None:
    # Given
    image = photo((96, 80)).convert(mode) if mode not in ("I;16",) else Image.new("I;16", (96, 80), 40_000)
    data = encode(image, image_format, **options)
    # When
    clean = validate_image(data, filename="x.png" if image_format == "PNG" else "x.jpg")
    # Then
    decoded = Image.open(io.BytesIO(clean.content))
    decoded.load()
    assert decoded.mode == expected_mode


# ----------------------------------------------------------------------------------------- metadata


def test_given_a_jpeg_with_gps_exif_when_validated_then_all_metadata_is_gone(jpeg_bytes: bytes) -> None:
    # Given: GPS position, device, an ICC profile, a comment, and orientation "rotate 90° CW"
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 30.0)
    data = encode(photo((320, 200)), "JPEG", exif=exif, icc_profile=b"fake-icc", comment=b"13800138000")
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload really carries GPS
    # When
    clean = validate_image(data, filename="id.jpg")
    # Then
    cleaned = Image.open(io.BytesIO(clean.content))
    assert len(cleaned.getexif()) == 0
    assert not cleaned.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "icc_profile", "comment", "xmp"} & set(cleaned.info)
    assert b"Exif\x00\x00" not in clean.content
    assert b"13800138000" not in clean.content and b"PhoneMaker" not in clean.content
    assert (clean.width, clean.height) == (200, 320) == cleaned.size  # orientation applied


def test_given_a_png_with_text_exif_and_icc_chunks_when_validated_then_only_pixels_remain() -> None:
    # Given
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    data = encode(photo((100, 100)), "PNG", exif=exif, icc_profile=b"fake-icc")
    data = insert_png_chunk(data, png_chunk(b"tEXt", b"Comment\x00phone 13800138000"))
    # When
    clean = validate_image(data, filename="a.png")
    # Then
    cleaned = Image.open(io.BytesIO(clean.content))
    cleaned.load()
    assert len(cleaned.getexif()) == 0
    assert not {"exif", "icc_profile", "Comment"} & set(cleaned.info)
    for chunk_type in (b"tEXt", b"eXIf", b"iCCP", b"zTXt", b"iTXt"):
        assert chunk_type not in clean.content


# ------------------------------------------------------------------------------- refused: size, type


def test_given_an_empty_file_when_validated_then_file_empty() -> None:
    assert error_code(validate_image, b"", filename="a.png") is ErrorCode.FILE_EMPTY
    assert error_code(validate_document, b"", filename="a.pdf") is ErrorCode.FILE_EMPTY


def test_given_a_600_kb_image_when_validated_then_file_too_large() -> None:
    # Given: a real, decodable noisy PNG of about 600 KB
    data = encode(noise((450, 450)), "PNG")
    assert 550 * 1024 < len(data) < 700 * 1024
    # When / Then
    assert error_code(validate_image, data, filename="big.png") is ErrorCode.FILE_TOO_LARGE


def test_given_a_png_renamed_jpg_when_validated_then_extension_mismatch(png_bytes: bytes) -> None:
    assert error_code(validate_image, png_bytes, filename="photo.jpg") is ErrorCode.FILE_EXTENSION_MISMATCH


def test_given_a_jpeg_renamed_png_when_validated_then_extension_mismatch(jpeg_bytes: bytes) -> None:
    assert error_code(validate_image, jpeg_bytes, filename="photo.png") is ErrorCode.FILE_EXTENSION_MISMATCH


@pytest.mark.parametrize("filename", ["photo", "photo.gif", "photo.jpg.exe", ".jpg", "photo.pdf"])
def test_given_a_jpeg_without_an_image_extension_when_validated_then_type_not_allowed(
    jpeg_bytes: bytes, filename: str
) -> None:
    assert error_code(validate_image, jpeg_bytes, filename=filename) is ErrorCode.FILE_TYPE_NOT_ALLOWED


def test_given_a_text_file_renamed_png_when_validated_then_type_not_allowed() -> None:
    data = "姓名,身份证号\n张三,110101199003074514\n".encode()
    assert error_code(validate_image, data, filename="notes.png") is ErrorCode.FILE_TYPE_NOT_ALLOWED


@pytest.mark.parametrize("image_format", ["GIF", "WEBP", "BMP", "TIFF"])
def test_given_other_real_image_formats_when_validated_then_type_not_allowed(image_format: str) -> None:
    data = encode(photo((100, 100)), image_format)
    assert error_code(validate_image, data, filename="x.png") is ErrorCode.FILE_TYPE_NOT_ALLOWED


def test_given_an_image_below_the_minimum_side_when_validated_then_image_too_small() -> None:
    data = encode(photo((200, 40)), "PNG")
    assert error_code(validate_image, data, filename="x.png") is ErrorCode.IMAGE_TOO_SMALL


# --------------------------------------------------------------------------- refused: pixel bombs


def test_given_a_decompression_bomb_when_validated_then_refused_before_decoding(bomb_20k: Path) -> None:
    # Given: a small file that decodes to 20000 × 20000 = 400 M pixels
    data = bomb_20k.read_bytes()
    assert len(data) < 100 * 1024
    # When
    tracemalloc.start()
    try:
        code = error_code(validate_image, data, filename="bomb.png")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Then
    assert code is ErrorCode.IMAGE_TOO_MANY_PIXELS
    assert peak < 20 * 1024 * 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from Linux /proc")
def test_given_a_decompression_bomb_when_validated_then_process_memory_stays_small(bomb_20k: Path) -> None:
    """tracemalloc does not see Pillow's C allocations, so the real proof is the peak RSS of a fresh
    process: validating adds (almost) nothing, while decoding a mere 4000 × 4000 PNG adds ~16 MB, which
    shows the probe would notice a decode."""
    # Given
    probe = """
import io, json, sys
from pathlib import Path
from PIL import Image
from core.errors import DomainError
from core.uploads import validate_image

def peak_kib():  # VmHWM belongs to this process image (ru_maxrss would carry over pytest's peak)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")

data = Path(sys.argv[1]).read_bytes()
control = Path(sys.argv[2]).read_bytes()
before = peak_kib()
codes = []
for max_pixels in (25_000_000, 10**12):
    try:
        validate_image(data, filename="bomb.png", max_pixels=max_pixels)
    except DomainError as error:
        codes.append(error.code.value)
validated = peak_kib()
Image.open(io.BytesIO(control)).load()
decoded = peak_kib()
print(json.dumps({"codes": codes, "validate_kib": validated - before, "control_kib": decoded - validated}))
"""
    control = bomb_20k.with_name("control.png")
    control.write_bytes(bomb_png(4_000, 4_000))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")])}
    # When
    result = subprocess.run(
        [sys.executable, "-c", probe, str(bomb_20k), str(control)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    # Then
    report = json.loads(result.stdout)
    assert report["codes"] == ["IMAGE_TOO_MANY_PIXELS", "IMAGE_TOO_MANY_PIXELS"]
    assert report["validate_kib"] < 20 * 1024
    assert report["control_kib"] > 12 * 1024


def test_given_more_pixels_than_allowed_but_below_pillows_limit_when_validated_then_too_many_pixels() -> None:
    # Given: 6000 × 5000 = 30 M pixels, over our 25 M but under Pillow's 89 M (Pillow would not even warn)
    data = bomb_png(6_000, 5_000)
    # When / Then
    assert error_code(validate_image, data, filename="x.png") is ErrorCode.IMAGE_TOO_MANY_PIXELS


def test_given_a_jpeg_header_claiming_huge_dimensions_when_validated_then_too_many_pixels(
    jpeg_bytes: bytes,
) -> None:
    # Given: the SOF0 frame header of a real JPEG patched to 60000 × 60000
    sof = jpeg_bytes.index(b"\xff\xc0")
    data = bytearray(jpeg_bytes)
    struct.pack_into(">HH", data, sof + 5, 60_000, 60_000)
    # When / Then
    assert error_code(validate_image, bytes(data), filename="x.jpg") is ErrorCode.IMAGE_TOO_MANY_PIXELS


def test_given_a_caller_allowing_more_than_pillow_when_validated_then_pillows_limit_still_applies() -> None:
    # Given: 10000 × 10000 = 100 M pixels: Pillow alone would only warn (limit 89 M, error at 2×)
    data = bomb_png(10_000, 10_000)
    # When / Then
    code = error_code(validate_image, data, filename="x.png", max_pixels=10**9)
    assert code is ErrorCode.IMAGE_TOO_MANY_PIXELS


# ---------------------------------------------------------------------------- refused: broken data


def test_given_a_truncated_jpeg_when_validated_then_image_unreadable() -> None:
    data = encode(noise((300, 300)), "JPEG", quality=90)
    truncated = data[: len(data) * 6 // 10]
    assert error_code(validate_image, truncated, filename="x.jpg") is ErrorCode.IMAGE_UNREADABLE


def test_given_a_truncated_png_when_validated_then_image_unreadable(png_bytes: bytes) -> None:
    truncated = png_bytes[: len(png_bytes) // 2]
    assert error_code(validate_image, truncated, filename="x.png") is ErrorCode.IMAGE_UNREADABLE


def test_given_a_png_with_a_corrupt_crc_when_validated_then_image_unreadable(png_bytes: bytes) -> None:
    data = bytearray(png_bytes)
    data[40] ^= 0xFF  # inside the first IDAT
    assert error_code(validate_image, bytes(data), filename="x.png") is ErrorCode.IMAGE_UNREADABLE


def test_given_load_truncated_images_switched_on_when_a_cut_stream_is_validated_then_still_unreadable(
    load_truncated_images_on: None,
) -> None:
    # Given: well-formed chunks (valid CRCs, IEND present) around a pixel stream cut in half
    image = noise((200, 200))
    raw = b"".join(b"\x00" + image.tobytes()[row * 600 : (row + 1) * 600] for row in range(200))
    idat = zlib.compress(raw)[: len(raw) // 2]
    ihdr = struct.pack(">IIBBBBB", 200, 200, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    # When / Then
    assert error_code(validate_image, data, filename="x.png") is ErrorCode.IMAGE_UNREADABLE
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


# ------------------------------------------------------------------------------- refused: polyglots


def test_given_a_png_with_an_appended_zip_when_validated_then_type_not_allowed(png_bytes: bytes) -> None:
    # Given
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as writer:
        writer.writestr("shell.php", "<?php system($_GET['c']); ?>")
    data = png_bytes + archive.getvalue()
    assert zipfile.is_zipfile(io.BytesIO(data))  # it really is both
    # When / Then
    assert error_code(validate_image, data, filename="x.png") is ErrorCode.FILE_TYPE_NOT_ALLOWED


def test_given_a_jpeg_with_an_appended_pdf_when_validated_then_type_not_allowed(jpeg_bytes: bytes) -> None:
    data = jpeg_bytes + minimal_pdf()
    assert error_code(validate_image, data, filename="x.jpg") is ErrorCode.FILE_TYPE_NOT_ALLOWED


def test_given_html_inside_a_png_text_chunk_when_validated_then_type_not_allowed(png_bytes: bytes) -> None:
    chunk = png_chunk(b"tEXt", b"Comment\x00<html><script>alert(document.cookie)</script></html>")
    data = insert_png_chunk(png_bytes, chunk)
    assert error_code(validate_image, data, filename="x.png") is ErrorCode.FILE_TYPE_NOT_ALLOWED


def test_given_a_pdf_header_inside_a_jpeg_comment_when_validated_then_type_not_allowed() -> None:
    data = encode(photo(), "JPEG", comment=b"%PDF-1.7 1 0 obj << >> endobj")
    assert error_code(validate_image, data, filename="x.jpg") is ErrorCode.FILE_TYPE_NOT_ALLOWED


def test_given_a_few_padding_bytes_after_iend_when_validated_then_tolerated(png_bytes: bytes) -> None:
    assert validate_image(png_bytes + b"\r\n\x00\x00", filename="x.png").format == "PNG"


def test_given_an_exif_thumbnail_with_its_own_eoi_when_validated_then_the_real_end_is_found() -> None:
    # Given: APP1 holds an embedded JPEG thumbnail (its own SOI…EOI) before the main image
    thumbnail = encode(photo((64, 40)), "JPEG")
    app1 = b"Exif\x00\x00" + b"\x00" * 8 + thumbnail
    main = encode(photo(), "JPEG")
    data = main[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + main[2:]
    # When
    clean = validate_image(data, filename="x.jpg")
    # Then
    assert (clean.width, clean.height) == (320, 200)


# -------------------------------------------------------------------------------------- documents


def test_given_a_minimal_pdf_when_validated_then_kept_byte_for_byte() -> None:
    data = minimal_pdf()
    clean = validate_document(data, filename="劳动合同.pdf")
    assert isinstance(clean, CleanDocument)
    assert (clean.kind, clean.content_type, clean.extension) == ("pdf", "application/pdf", "pdf")
    assert clean.content == data


def test_given_a_docx_built_with_zipfile_when_validated_then_accepted() -> None:
    clean = validate_document(minimal_docx(), filename="证明.DOCX")
    assert clean.kind == "docx"
    assert clean.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_given_a_doc_compound_file_when_validated_then_accepted() -> None:
    clean = validate_document(minimal_doc(), filename="申请表.doc")
    assert (clean.kind, clean.content_type) == ("doc", "application/msword")


@pytest.mark.parametrize(("filename", "kind"), [("scan.jpeg", "jpg"), ("scan.jpg", "jpg"), ("scan.png", "png")])
def test_given_an_image_as_document_when_validated_then_re_encoded_image(
    jpeg_bytes: bytes, png_bytes: bytes, filename: str, kind: str
) -> None:
    # Given: an image carrying a metadata text chunk / comment
    if kind == "png":
        data = insert_png_chunk(png_bytes, png_chunk(b"tEXt", b"Author\x00someone"))
    else:
        data = jpeg_bytes[:2] + b"\xff\xfe\x00\x09someone" + jpeg_bytes[2:]
    # When
    clean = validate_document(data, filename=filename)
    # Then
    assert (clean.kind, clean.extension) == (kind, kind)
    assert b"someone" not in clean.content
    Image.open(io.BytesIO(clean.content)).load()


def test_given_a_png_named_pdf_when_validated_as_document_then_extension_mismatch(png_bytes: bytes) -> None:
    assert error_code(validate_document, png_bytes, filename="a.pdf") is ErrorCode.FILE_EXTENSION_MISMATCH


@pytest.mark.parametrize(
    ("maker", "filename"),
    [(minimal_pdf, "a.docx"), (minimal_docx, "a.doc"), (minimal_doc, "a.pdf"), (minimal_docx, "a.png")],
)
def test_given_a_document_with_another_allowed_extension_when_validated_then_extension_mismatch(
    maker: object, filename: str
) -> None:
    assert callable(maker)
    code = error_code(validate_document, maker(), filename=filename)
    assert code is ErrorCode.FILE_EXTENSION_MISMATCH


def test_given_an_exe_like_blob_when_validated_as_document_then_type_not_allowed() -> None:
    blob = b"MZ\x90\x00\x03" + b"\x00" * 59 + b"PE\x00\x00" + random.Random(1).randbytes(4000)
    for filename in ("setup.exe", "setup.pdf", "setup.docx"):
        assert error_code(validate_document, blob, filename=filename) is ErrorCode.FILE_TYPE_NOT_ALLOWED


def test_given_a_pdf_with_a_disallowed_extension_when_validated_then_type_not_allowed() -> None:
    assert error_code(validate_document, minimal_pdf(), filename="a.html") is ErrorCode.FILE_TYPE_NOT_ALLOWED


def test_given_a_truncated_pdf_when_validated_then_type_not_allowed() -> None:
    data = minimal_pdf()
    assert error_code(validate_document, data[:-40], filename="a.pdf") is ErrorCode.FILE_TYPE_NOT_ALLOWED


def test_given_a_zip_that_is_not_a_word_document_when_validated_then_type_not_allowed() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as writer:
        writer.writestr("readme.txt", "hello")
    code = error_code(validate_document, archive.getvalue(), filename="a.docx")
    assert code is ErrorCode.FILE_TYPE_NOT_ALLOWED


def test_given_a_docx_with_macros_when_validated_then_type_not_allowed() -> None:
    data = minimal_docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    assert error_code(validate_document, data, filename="a.docx") is ErrorCode.FILE_TYPE_NOT_ALLOWED


def test_given_a_doc_with_a_macro_storage_when_validated_then_type_not_allowed() -> None:
    data = minimal_doc(streams=("WordDocument", "Macros", "_VBA_PROJECT"))
    assert error_code(validate_document, data, filename="a.doc") is ErrorCode.FILE_TYPE_NOT_ALLOWED


def test_given_an_ole2_file_that_is_not_word_when_validated_then_type_not_allowed() -> None:
    data = minimal_doc(streams=("Workbook",))  # an .xls
    assert error_code(validate_document, data, filename="a.doc") is ErrorCode.FILE_TYPE_NOT_ALLOWED


def test_given_a_docx_shaped_zip_bomb_when_validated_then_refused_without_extracting() -> None:
    # Given: a real docx plus a 64 MiB entry of zeros that deflates to ~64 KiB
    archive = io.BytesIO(minimal_docx())
    with zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED) as writer:
        with writer.open("word/media/bomb.bin", "w", force_zip64=True) as entry:
            zeros = bytes(1024 * 1024)
            for _ in range(64):
                entry.write(zeros)
    data = archive.getvalue()
    assert len(data) < 500 * 1024
    # When
    tracemalloc.start()
    try:
        code = error_code(validate_document, data, filename="a.docx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Then
    assert code is ErrorCode.FILE_TYPE_NOT_ALLOWED
    assert peak < 5 * 1024 * 1024


def test_given_a_document_over_500_kb_when_validated_then_file_too_large() -> None:
    data = minimal_pdf() + b"%" + random.Random(2).randbytes(520 * 1024).hex().encode()[: 520 * 1024]
    assert error_code(validate_document, data, filename="a.pdf") is ErrorCode.FILE_TOO_LARGE
