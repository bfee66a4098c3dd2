"""Local-directory specifics: atomic replacement and no temp files left behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipeline.storage import Storage
from pipeline.storage.local import LocalStore


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o027, 0o640)])
def test_written_files_keep_the_process_umask(tmp_path: Path, umask: int, mode: int) -> None:
    # Register data names people: who may read the outputs is the umask's to say, not a forced 0644.
    previous = os.umask(umask)
    try:
        for write in (Storage().write_text, lambda uri, text: Storage().create(uri, text.encode())):
            target = tmp_path / f"out-{umask:o}-{len(list(tmp_path.iterdir()))}.csv"
            write(target.as_uri(), "x")
            assert target.stat().st_mode & 0o777 == mode
    finally:
        os.umask(previous)


def test_temporaries_left_by_a_killed_write_are_swept_when_old(tmp_path: Path) -> None:
    storage, base = Storage(), "file://" + tmp_path.as_posix()
    storage.write_text(f"{base}/lists/dt=2026-11-26/revocations.csv", "kept")
    old = tmp_path / "lists" / "dt=2026-11-26" / ".manifest.json.0123456789abcdef.tmp"
    fresh = tmp_path / "lists" / ".revocations.csv.fedcba9876543210.tmp"  # a write in progress
    for leftover in (old, fresh):
        leftover.write_text("half")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    assert storage.sweep_temporaries(base + "/", 900) == ("file://" + old.as_posix(),)
    assert not old.exists() and fresh.exists()
    assert (tmp_path / "lists" / "dt=2026-11-26" / "revocations.csv").read_text() == "kept"


def test_failed_write_leaves_old_content_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "list.csv"
    storage = Storage()
    storage.write_text(target.as_uri(), "old")

    def boom(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pipeline.storage.local.os.fsync", boom)
    with pytest.raises(OSError, match="No space left"):
        LocalStore().write_bytes(target.as_uri(), b"new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["list.csv"]


def test_listing_hive_style_folders_returns_uris_that_read_back(tmp_path: Path) -> None:
    storage = Storage()
    base = "file://" + tmp_path.as_posix()
    uri = f"{base}/revocations/dt=2026-11-26/manifest.json"
    storage.write_text(uri, "{}")
    assert storage.list(f"{base}/revocations/dt=") == [uri]
    assert storage.read_text(storage.list(base + "/")[0]) == "{}"
