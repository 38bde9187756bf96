"""profiles.demo.seed: the demo candidate's profile is complete, and a second run changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts import demo as accounts_demo
from accounts.models import User
from profiles import demo
from profiles.models import Attachment
from profiles.selectors import profile_missing_items
from tenants.context import province_scope
from tests.support.profiles import stored_files

pytestmark = pytest.mark.django_db


def test_given_the_demo_accounts_when_seeded_twice_then_one_complete_profile(yunnan: Any, storage_root: Path) -> None:
    said: list[str] = []
    with province_scope(yunnan):
        accounts_demo.seed(province=yunnan, say=said.append)
        demo.seed(province=yunnan, say=said.append)
        first = sorted(Attachment.objects.values_list("storage_name", flat=True))
        demo.seed(province=yunnan, say=said.append)
        assert profile_missing_items(user=User.objects.get(username="yunnan_candidate")) == []
        assert sorted(Attachment.objects.values_list("storage_name", flat=True)) == first
    assert len(first) == 3 and len(stored_files(storage_root)) == 3
