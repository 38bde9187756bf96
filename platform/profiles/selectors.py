"""Reads of candidate profiles."""

from __future__ import annotations

from typing import Any

from profiles.models import Attachment, CandidateProfile

# What exam registration needs (seed 000: basic info and the three attachments).
REQUIRED_BASIC_FIELDS = ("real_name", "id_type", "id_number", "gender", "birth_date", "phone")
REQUIRED_ATTACHMENTS = (Attachment.Kind.AVATAR, Attachment.Kind.ID_FRONT, Attachment.Kind.ID_BACK)


def profile_for(*, user: Any) -> CandidateProfile | None:
    return CandidateProfile.objects.filter(user=user).first()


def profile_missing_items(*, user: Any) -> list[str]:
    """What is still missing before the candidate may register for an exam; empty when complete.

    Items are field names (camelCase, as the API spells them) and attachment kinds (`attachment:avatar`).
    """
    profile = profile_for(user=user)
    if profile is None:
        fields = [_camel(name) for name in REQUIRED_BASIC_FIELDS]
        return fields + [f"attachment:{kind.value}" for kind in REQUIRED_ATTACHMENTS]
    missing = [_camel(name) for name in REQUIRED_BASIC_FIELDS if getattr(profile, name) in (None, "")]
    present = set(profile.attachments.values_list("kind", flat=True))
    missing += [f"attachment:{kind.value}" for kind in REQUIRED_ATTACHMENTS if kind.value not in present]
    return missing


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
