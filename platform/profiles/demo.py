"""Demo: the province's demo candidate gets a complete profile (basic info and three generated photos)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from accounts.models import User
from core.identity import id_number_check_digit
from profiles.selectors import profile_missing_items
from profiles.services import profile_attachment_upload, profile_update

_PICTURES = {"avatar": (295, 413), "id_front": (428, 270), "id_back": (428, 270)}


def _picture(kind: str) -> bytes:
    size = _PICTURES[kind]
    image = Image.new("RGB", size, (236, 241, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, size[0] - 9, size[1] - 9), outline=(40, 80, 160), width=4)
    draw.text((24, 24), f"DEMO {kind}", fill=(40, 80, 160))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seed(*, province: Any, say: Callable[[str], None]) -> None:
    if province.schema_name == "public":
        return
    user = User.objects.filter(username=f"{province.slug}_candidate").first()
    if user is None or not profile_missing_items(user=user):
        return
    first17 = f"{str(province.code)[:2]}0102{date(1990, 5, 1):%Y%m%d}015"
    profile_update(
        user=user,
        actor=user,
        changes={
            "real_name": "演示考生",
            "id_type": "mainland_id",
            "id_number": first17 + id_number_check_digit(first17),
            "phone": "13800138000",
            "employer": f"{province.short_name}公交集团",
            "years_in_city_transport": 6,
            "ethnicity": "汉族",
            "education": "junior_college",
        },
    )
    missing = {item.removeprefix("attachment:") for item in profile_missing_items(user=user)}
    for kind in _PICTURES:
        if kind in missing:
            upload = SimpleUploadedFile(f"{kind}.png", _picture(kind), content_type="image/png")
            profile_attachment_upload(user=user, actor=user, kind=kind, upload=upload)
    say(f"  profile of {user.username}: complete, with demo photos")
