"""Local-directory specifics: atomic replacement and no temp files left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.storage import Storage
from pipeline.storage.local import LocalStore


def test_written_files_are_readable_by_others(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    Storage().write_text(target.as_uri(), "<p>")
    assert target.stat().st_mode & 0o777 == 0o644


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
