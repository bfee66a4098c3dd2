"""Fixtures for the writer tests: the same tests on local directories, moto's S3 and the GCS emulator."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["file", "s3", "gs"])
def root(request: pytest.FixtureRequest) -> str:
    """An empty bucket (or directory) URI on each backend in turn."""
    if request.param == "file":
        return str(request.getfixturevalue("local_root"))
    endpoint = request.getfixturevalue("s3" if request.param == "s3" else "gcs")
    return f"{endpoint.root}/prefix"
