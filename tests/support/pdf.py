"""Reading PDFs the platform produced: text layer and QR codes on the rendered page."""

from __future__ import annotations

import io

import pypdf
import pypdfium2
import zxingcpp


def pdf_text(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(document)).pages)


def pdf_qr_texts(document: bytes) -> list[str]:
    image = pypdfium2.PdfDocument(document)[0].render(scale=3).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]
