"""Where the publish tests write. Publishing's logic does not depend on the backend, so it runs on local
files (`root`); the storage contract is tested on every backend in tests/storage, and the whole flow of
several nights once per backend (`any_root`, test_end_to_end.py).
"""

from __future__ import annotations

import pytest


@pytest.fixture
def root(local_root: str) -> str:
    """An empty local directory's URI."""
    return local_root


@pytest.fixture(params=["file", "s3", "gs", "az"])
def any_root(request: pytest.FixtureRequest) -> str:
    """An empty bucket (or directory) URI on each backend in turn."""
    if request.param == "file":
        return str(request.getfixturevalue("local_root"))
    endpoint = request.getfixturevalue({"s3": "s3", "gs": "gcs", "az": "azure"}[request.param])
    return f"{endpoint.root}/prefix"
