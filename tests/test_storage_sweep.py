"""storage_sweep (service and `manage.py storage_sweep`): crash leftovers go, referenced and young files stay."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from accounts.models import Role
from core.storage import PrivateStorage
from profiles.services import profile_attachment_upload
from tenants.context import province_scope
from tests.support import files
from tests.support.auth import make_account
from tests.support.profiles import stored_files

pytestmark = pytest.mark.django_db


def test_given_leftovers_of_a_crash_when_swept_then_only_they_are_removed(
    yunnan: Any, tianjin: Any, storage_root: Path
) -> None:
    # Given: a real attachment, and files no row refers to (as a crash would leave them), in two provinces
    user, _ = make_account(yunnan, username="candidate_sweep", roles=[Role.CANDIDATE])
    with province_scope(yunnan):
        attachment = profile_attachment_upload(
            user=user, actor=user, kind="avatar", upload=SimpleUploadedFile("a.jpg", files.jpeg())
        )
        leftover = PrivateStorage.for_current_province().save(b"old avatar", area="profiles", extension="jpg")
        fresh = PrivateStorage.for_current_province().save(b"upload in flight", area="documents", extension="pdf")
    with province_scope(tianjin):
        tianjin_leftover = PrivateStorage.for_current_province().save(b"x", area="documents", extension="pdf")
    old = time.time() - 7200
    for path in stored_files(storage_root):
        if fresh not in path.as_posix():
            os.utime(path, (old, old))
    # When
    out = io.StringIO()
    call_command("storage_sweep", stdout=out)
    # Then
    remaining = {path.relative_to(storage_root).as_posix() for path in stored_files(storage_root)}
    assert remaining == {f"yunnan/{attachment.storage_name}", f"yunnan/{fresh}"}
    assert f"yunnan: removed {leftover}" in out.getvalue()
    assert f"tianjin: removed {tianjin_leftover}" in out.getvalue()
