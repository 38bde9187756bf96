"""Image captcha for login and password recovery (seed 000: "请输入验证码 7Y7Z").

Only the drawing and the text live here; storing the expected text (hashed, with an expiry) is
the service's job. The text comes from `secrets`; the noise may use any `random.Random`, so a test
can pass a seeded one and get the same bytes back.
"""

from __future__ import annotations

import functools
import hmac
import io
import math
import os
import random
import secrets

from PIL import Image, ImageDraw, ImageFont

__all__ = ["CAPTCHA_ALPHABET", "captcha_matches", "captcha_text", "render_captcha_png"]

# Upper-case letters and digits without the look-alikes 0/O, 1/I/L: users read, then retype.
CAPTCHA_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

_MAX_ROTATION_DEGREES = 28
_Colour = tuple[int, int, int]


def captcha_text(length: int = 4) -> str:
    """A fresh captcha text of `length` characters from `CAPTCHA_ALPHABET`, cryptographically random."""
    if length < 1:
        raise ValueError("a captcha has at least one character")
    return "".join(secrets.choice(CAPTCHA_ALPHABET) for _ in range(length))


def captcha_matches(expected: str, given: str) -> bool:
    """Compare a typed answer with the expected text: case-insensitive, surrounding spaces ignored.

    Uses a constant-time comparison so the answer cannot be probed character by character.
    """
    return hmac.compare_digest(expected.strip().upper().encode(), given.strip().upper().encode())


def _dark(rng: random.Random) -> _Colour:
    return (rng.randint(0, 110), rng.randint(0, 110), rng.randint(0, 110))


def _light(rng: random.Random) -> _Colour:
    return (rng.randint(215, 255), rng.randint(215, 255), rng.randint(215, 255))


def _medium(rng: random.Random) -> _Colour:
    return (rng.randint(100, 190), rng.randint(100, 190), rng.randint(100, 190))


_FONT_DIRS = ("/usr/share/fonts/truetype", "/usr/share/fonts/TTF", "/usr/local/share/fonts", "/Library/Fonts")
_FONT_NAMES = ("DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSans.ttf",
               "LiberationSans-Bold.ttf", "LiberationSerif-Bold.ttf", "LiberationMono-Bold.ttf",
               "LiberationSansNarrow-Bold.ttf", "LiberationSerif-Italic.ttf")


@functools.lru_cache(maxsize=1)
def _font_files() -> tuple[str, ...]:
    """TrueType fonts of the system (any of a known list); Pillow's bundled font is always used too."""
    found: list[str] = []
    for root in _FONT_DIRS:
        if os.path.isdir(root):
            for folder, _dirs, files in os.walk(root):
                found.extend(os.path.join(folder, name) for name in files if name in _FONT_NAMES)
    return tuple(sorted(found))


@functools.lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if not path:
        return ImageFont.load_default(size=size)
    try:
        return ImageFont.truetype(path, size=size)
    except OSError:
        return ImageFont.load_default(size=size)


def _glyph(char: str, rng: random.Random, height: int) -> Image.Image:
    """One character: a random font and size, its own dark colour, sheared, rotated, sometimes outlined."""
    font = _font(rng.choice(("", *_font_files())), rng.randint(int(height * 0.62), int(height * 0.85)))
    left, top, right, bottom = font.getbbox(char)
    width, tall = max(1, int(right - left)), max(1, int(bottom - top))
    glyph = Image.new("RGBA", (width + 8, tall + 8), (0, 0, 0, 0))
    ImageDraw.Draw(glyph).text(
        (4 - left, 4 - top), char, font=font, fill=(*_dark(rng), 255), stroke_width=rng.choice((0, 0, 1)),
    )
    shear = rng.uniform(-0.35, 0.35)
    glyph = glyph.transform(
        (glyph.width + int(abs(shear) * glyph.height), glyph.height), Image.Transform.AFFINE,
        (1, shear, -abs(shear) * glyph.height if shear > 0 else 0, 0, 1, 0), resample=Image.Resampling.BICUBIC,
    )
    return glyph.rotate(
        rng.uniform(-_MAX_ROTATION_DEGREES, _MAX_ROTATION_DEGREES), resample=Image.Resampling.BICUBIC, expand=True
    )


def _wave(image: Image.Image, rng: random.Random) -> Image.Image:
    """Bend the whole picture: every column moves up or down, every row sideways, along random sine waves."""
    width, height = image.size
    amp_y, period_y, phase_y = rng.uniform(2.0, 4.0), rng.uniform(25, 50), rng.uniform(0, 2 * math.pi)
    amp_x, period_x, phase_x = rng.uniform(0.6, 1.4), rng.uniform(16, 30), rng.uniform(0, 2 * math.pi)
    background = image.getpixel((0, 0))
    shifted = Image.new("RGB", image.size, background)
    for x in range(width):
        dy = round(amp_y * math.sin(2 * math.pi * x / period_y + phase_y))
        shifted.paste(image.crop((x, 0, x + 1, height)), (x, dy))
    bent = Image.new("RGB", image.size, background)
    for y in range(height):
        dx = round(amp_x * math.sin(2 * math.pi * y / period_x + phase_x))
        bent.paste(shifted.crop((0, y, width, y + 1)), (dx, y))
    return bent


def render_captcha_png(
    text: str,
    *,
    width: int = 120,
    height: int = 40,
    rng: random.Random | None = None,
) -> bytes:
    """Draw `text` as a PNG of exactly `width`×`height` pixels, hard to read for a machine (issue 17).

    Each character gets its own font (Pillow's and the system's TrueType fonts), size, colour, shear and
    rotation, and the characters overlap; curves in the glyphs' own colours cross them; the whole picture is
    bent along sine waves; noise dots and lines cover it. A template matcher reads under 10 % of them
    (tests/unit/test_captcha_machine_reading.py); lockouts stay the real defence.
    `rng` drives every random choice (default: `secrets.SystemRandom`); same seed, same bytes.
    """
    if not text:
        raise ValueError("nothing to draw")
    if width < 1 or height < 1:
        raise ValueError("the image needs a positive size")
    rng = rng or secrets.SystemRandom()
    image = Image.new("RGB", (width, height), _light(rng))
    draw = ImageDraw.Draw(image)
    for _ in range(3):  # faint background lines
        draw.line([(rng.randint(0, width - 1), rng.randint(0, height - 1)) for _ in range(2)], fill=_medium(rng))

    cell = width / (len(text) + 0.4)
    x = rng.uniform(0, cell * 0.3)
    for char in text:
        glyph = _glyph(char, rng, height)
        left = int(x + (cell - glyph.width) / 2) + rng.randint(-2, 2)
        top = int((height - glyph.height) / 2) + rng.randint(-3, 3)
        image.paste(glyph, (left, top), glyph)
        x += cell * rng.uniform(0.85, 1.05)  # neighbours touch or overlap

    for _ in range(2):  # curves in glyph colours through the text: a colour filter cannot remove them
        top_y, bottom_y = rng.randint(height // 4, height // 2), rng.randint(height // 2, 3 * height // 4)
        left, right = rng.randint(-width // 2, 0), rng.randint(width, width * 3 // 2)
        box = (left, top_y - height // 2, right, bottom_y + height // 2)
        start = rng.randint(180, 250)
        draw.arc(box, start=start, end=start + rng.randint(60, 120), fill=_dark(rng), width=rng.choice((1, 2)))
    image = _wave(image, rng)

    draw = ImageDraw.Draw(image)
    for _ in range(width * height // 25):
        draw.point((rng.randint(0, width - 1), rng.randint(0, height - 1)), fill=_medium(rng))
    for _ in range(width * height // 250):
        draw.point((rng.randint(0, width - 1), rng.randint(0, height - 1)), fill=_dark(rng))

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
