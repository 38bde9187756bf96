"""core.storage.PrivateStorage: random names, private modes, atomic writes, no way out of the province folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from core.storage import TEMP_PREFIX, PrivateStorage, StorageNameError


@pytest.fixture
def storage(tmp_path: Path) -> PrivateStorage:
    return PrivateStorage("yunnan", root=tmp_path)


def test_given_bytes_when_saved_then_a_random_private_file_under_the_province(
    storage: PrivateStorage, tmp_path: Path
) -> None:
    name = storage.save(b"pixels", area="profiles", extension="png")
    other = storage.save(b"pixels", area="profiles", extension="png")
    assert name != other
    path = storage.path(name)
    assert path.parent.parent.parent == tmp_path / "yunnan"
    assert path.read_bytes() == b"pixels" and storage.read(name) == b"pixels"
    assert path.stat().st_mode & 0o777 == 0o600
    for folder in (tmp_path / "yunnan", tmp_path / "yunnan" / "profiles", path.parent):
        assert folder.stat().st_mode & 0o777 == 0o700
    assert not [p for p in path.parent.iterdir() if p.name.startswith(TEMP_PREFIX)]  # no temporary left


@pytest.mark.parametrize(
    "name",
    ["../tianjin/profiles/ab/" + "a" * 32 + ".png", "/etc/passwd", "profiles/ab/../../x.png", "profiles/x.png", ""],
)
def test_given_a_name_it_never_produces_when_resolved_then_refused(storage: PrivateStorage, name: str) -> None:
    with pytest.raises(StorageNameError):
        storage.path(name)
    assert storage.exists(name) is False


@pytest.mark.parametrize("schema", ["public", "../etc", "Yunnan", ""])
def test_given_no_province_schema_when_opened_then_refused(tmp_path: Path, schema: str) -> None:
    with pytest.raises(ValueError):
        PrivateStorage(schema, root=tmp_path)


def test_given_a_deleted_file_when_deleted_again_then_quietly(storage: PrivateStorage) -> None:
    name = storage.save(b"x", area="documents", extension="pdf")
    storage.delete(name)
    storage.delete(name)
    assert not storage.exists(name)


def test_given_orphans_and_temporaries_when_listed_then_only_old_unreferenced_ones(storage: PrivateStorage) -> None:
    kept = storage.save(b"kept", area="profiles", extension="jpg")
    orphan = storage.save(b"orphan", area="profiles", extension="jpg")
    young = storage.save(b"young", area="profiles", extension="jpg")
    temp = storage.path(kept).parent / f"{TEMP_PREFIX}deadbeef"
    temp.write_bytes(b"half a file")
    old = time.time() - 7200
    for path in (storage.path(kept), storage.path(orphan), temp):
        os.utime(path, (old, old))
    found = storage.orphans("profiles", referenced={kept}, older_than_seconds=3600)
    assert sorted(found) == sorted([orphan, temp.relative_to(storage.base).as_posix()])
    assert young not in found
    for name in found:
        storage.remove_any(name)
    assert storage.exists(kept) and storage.exists(young) and not storage.exists(orphan) and not temp.exists()
