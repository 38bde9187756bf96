"""Real files for upload tests: made with Pillow, zipfile and hand-built bytes, never mocked."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

from PIL import ExifTags, Image


def photo(size: tuple[int, int] = (320, 200)) -> Image.Image:
    """A smooth picture (gradient with a shape), like a photo: compresses well."""
    image = Image.radial_gradient("L").resize(size).convert("RGB")
    image.paste((200, 30, 30), (10, 10, 60, 40))
    return image


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


def jpeg(size: tuple[int, int] = (320, 200)) -> bytes:
    return encode(photo(size), "JPEG", quality=85)


def png(size: tuple[int, int] = (320, 200)) -> bytes:
    return encode(photo(size), "PNG")


def jpeg_with_gps() -> bytes:
    """A JPEG carrying a GPS position, the phone's make and a comment with a phone number."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (25.0, 2.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (102.0, 42.0, 0.0)
    return encode(photo(), "JPEG", exif=exif, comment=b"13800138000")


def noise_png(target_bytes: int) -> bytes:
    """A random-noise PNG (incompressible) of at least `target_bytes`."""
    side = int((target_bytes / 3) ** 0.5) + 8
    pixels = random.Random(0).randbytes(side * side * 3)
    data = encode(Image.frombytes("RGB", (side, side), pixels), "PNG")
    assert len(data) >= target_bytes
    return data


def png_chunk(chunk_type: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + chunk_type + body + struct.pack(">I", zlib.crc32(chunk_type + body))


def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG of zeros: tens of KiB on disk, width × height pixels once decoded."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    idat = b"".join([compressor.compress(row) for _ in range(height)] + [compressor.flush()])
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    data = jpeg((400, 300))
    return data[: len(data) * 6 // 10]


def polyglot_png_zip() -> bytes:
    """A real PNG with a ZIP archive appended: opens as an image and as an archive."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.html", "<script>alert(1)</script>")
    return png() + archive.getvalue()


def minimal_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def minimal_docx() -> bytes:
    parts = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.'
            b'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "word/document.xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>proof</w:t></w:r></w:p></w:body></w:document>'
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return out.getvalue()
