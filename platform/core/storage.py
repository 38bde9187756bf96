"""Private file storage, one area per province: `settings.STORAGE_ROOT/<schema>/<area>/<xx>/<random>.<ext>`.

Never public: there is no MEDIA_URL and nothing under STORAGE_ROOT is served by a static handler. Files
are read back only by the download views (signed links or an authenticated request), which check who
asks. Names are random (128 bits), never derived from the client's file name or the owner.

Writes are crash safe: the bytes go to a temporary file in the target folder, are flushed and fsynced,
then renamed into place (atomic on POSIX) and the folder is fsynced. A crash leaves at worst a
`.tmp-*` file or a complete file no row refers to; `orphans()` finds both for a sweep
(`manage.py storage_sweep`). Folders are created 0700 and files 0600.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from django.conf import settings

from tenants.context import current_province

_SCHEMA: Final = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SEGMENT: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,40}")
_NAME: Final = re.compile(r"(?P<area>[a-z0-9][a-z0-9_-]{0,40})/[0-9a-f]{2}/[0-9a-f]{32}\.[a-z0-9]{1,8}")
TEMP_PREFIX: Final = ".tmp-"


class StorageNameError(ValueError):
    """A storage name that this storage never produces (tampering or a bug): refused, never resolved."""


class PrivateStorage:
    """The private files of one province (by schema name)."""

    def __init__(self, schema_name: str, *, root: Path | None = None) -> None:
        if not _SCHEMA.fullmatch(schema_name) or schema_name == "public":
            raise ValueError(f"not a province schema: {schema_name!r}")
        self.schema_name = schema_name
        self.base = Path(root or settings.STORAGE_ROOT).resolve() / schema_name

    @classmethod
    def for_current_province(cls) -> PrivateStorage:
        """The storage of the province this code path serves (fails closed without one)."""
        return cls(str(current_province().schema_name))

    def path(self, name: str) -> Path:
        """The absolute path of a stored name; only names of the form `save` returns are accepted."""
        if not _NAME.fullmatch(name):
            raise StorageNameError(name)
        return self.base / name

    def save(self, data: bytes, *, area: str, extension: str) -> str:
        """Store `data` under a new random name in `area` and return that name (relative to the province)."""
        if not _SEGMENT.fullmatch(area) or not re.fullmatch(r"[a-z0-9]{1,8}", extension):
            raise ValueError("bad area or extension")
        token = secrets.token_hex(16)
        name = f"{area}/{token[:2]}/{token}.{extension}"
        target = self.path(name)
        folder = target.parent
        self._private_dirs(folder)
        temp = folder / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.link(temp, target)  # fails rather than overwrite, should a random name ever repeat
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        _fsync_dir(folder)
        return name

    def _private_dirs(self, folder: Path) -> None:
        """Create `folder` and the ones above it up to the storage root, each 0700 (mkdir's `parents` would
        give the intermediate ones the umask's mode)."""
        missing = []
        current = folder
        while not current.exists():
            missing.append(current)
            if current == current.parent:
                break
            current = current.parent
        for path in reversed(missing):
            with contextlib.suppress(FileExistsError):  # a concurrent upload made it first
                path.mkdir(mode=0o700)
            path.chmod(0o700)

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def exists(self, name: str) -> bool:
        try:
            return self.path(name).is_file()
        except StorageNameError:
            return False

    def delete(self, name: str) -> None:
        """Remove a stored file; a missing file is not an error (deletes are retried by the sweep)."""
        target = self.path(name)
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
            _fsync_dir(target.parent)

    def names(self, area: str) -> Iterator[tuple[str, float]]:
        """Every file of `area` as (name, modification time); temporary files with their own relative path."""
        root = self.base / area
        if not root.is_dir():
            return
        for path in root.rglob("*"):
            if path.is_file():
                yield path.relative_to(self.base).as_posix(), path.stat().st_mtime

    def orphans(self, area: str, *, referenced: set[str], older_than_seconds: float) -> list[str]:
        """Files of `area` no row refers to (and leftover temporaries), older than the given age.

        The age keeps a sweep away from uploads in flight (file written, row not yet committed).
        """
        cutoff = time.time() - older_than_seconds
        return sorted(
            name for name, mtime in self.names(area) if mtime < cutoff and name not in referenced
        )

    def remove_any(self, name: str) -> None:
        """Remove a file found by `orphans` (which may be a temporary one, not a storage name)."""
        target = (self.base / name).resolve()
        if self.base not in target.parents:
            raise StorageNameError(name)
        with contextlib.suppress(FileNotFoundError):
            target.unlink()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
