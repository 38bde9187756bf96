"""Issue 17, defect 10: the captcha was read by ~60 lines of template matching (34 of 34 live images).

The matcher below is that attack: binarise, cut the width into as many cells as characters, crop each
cell's ink, scale it to a fixed box and pick the alphabet template (Pillow's font and the system's,
several rotations) with the fewest differing pixels. It reads most clean texts (so it is a competent
reader): measured, 14 of 20 clean texts, and 14-22 of 60 captchas of the previous renderer (173-183 of 240
characters); it must read under 10 % of the platform's captchas (measured: 0 of 60, 38 of 240 characters).
"""

from __future__ import annotations

import functools
import io
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from accounts.captcha import CAPTCHA_ALPHABET, _font_files, captcha_text, render_captcha_png

BOX = (16, 20)
SAMPLES = 60


def _ink(image: Image.Image) -> Image.Image:
    # dark pixels are ink; a median filter removes dots and thin noise lines
    return image.convert("L").point(lambda v: 255 if v < 110 else 0).filter(ImageFilter.MedianFilter(3))


def _bits(shape: Image.Image) -> int:
    return int.from_bytes(bytes(1 if v else 0 for v in shape.tobytes()), "big")


def _normalise(cell: Image.Image) -> Image.Image | None:
    bbox = cell.getbbox()
    if bbox is None:
        return None
    return cell.crop(bbox).resize(BOX, Image.Resampling.BILINEAR).point(lambda v: 255 if v > 100 else 0)


@functools.lru_cache(maxsize=1)
def _templates() -> list[tuple[str, int]]:
    fonts = [ImageFont.load_default(size=28)] + [ImageFont.truetype(path, 28) for path in _font_files()]
    templates = []
    for font in fonts:
        for char in CAPTCHA_ALPHABET:
            glyph = Image.new("L", (48, 48), 0)
            ImageDraw.Draw(glyph).text((8, 4), char, font=font, fill=255)
            for angle in (-20, -10, 0, 10, 20):
                shape = _normalise(glyph.rotate(angle, resample=Image.Resampling.BILINEAR))
                if shape is not None:
                    templates.append((char, _bits(shape)))
    return templates


def machine_read(png: bytes, length: int) -> str:
    image = _ink(Image.open(io.BytesIO(png)))
    width, height = image.size
    text = ""
    for index in range(length):
        cell = _normalise(image.crop((index * width // length, 0, (index + 1) * width // length, height)))
        if cell is None:
            text += "?"
            continue
        data = _bits(cell)
        text += min(_templates(), key=lambda t: (data ^ t[1]).bit_count())[0]
    return text


def _clean(text: str) -> bytes:
    image = Image.new("RGB", (120, 40), "white")
    font = ImageFont.load_default(size=28)
    for index, char in enumerate(text):
        ImageDraw.Draw(image).text((index * 30 + 6, 4), char, font=font, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_matcher_reads_clean_text() -> None:
    rng = random.Random(17)
    texts = ["".join(rng.choice(CAPTCHA_ALPHABET) for _ in range(4)) for _ in range(20)]
    assert sum(machine_read(_clean(t), 4) == t for t in texts) >= 12  # 14 of 20 when measured


def test_the_matcher_reads_under_ten_percent_of_captchas() -> None:
    rng = random.Random(2026)
    read = chars = 0
    for _ in range(SAMPLES):
        text = captcha_text()
        guess = machine_read(render_captcha_png(text, rng=rng), len(text))
        read += guess == text
        chars += sum(a == b for a, b in zip(guess, text, strict=True))
    print(f"captchas read: {read}/{SAMPLES}, characters read: {chars}/{SAMPLES * 4}")
    assert read < SAMPLES * 0.10
