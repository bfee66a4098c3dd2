"""Where the publish tests write. Publishing's logic does not depend on the backend, so it runs on local
files (`root`); the storage contract is tested on every backend in tests/storage, and the whole flow of
several nights once per backend (`any_root`, test_end_to_end.py).
"""

from __future__ import annotations

import pytest

from tests.servers import BACKENDS, root_on


@pytest.fixture
def root(local_root: str) -> str:
    """An empty local directory's URI."""
    return local_root


@pytest.fixture(params=BACKENDS)
def any_root(request: pytest.FixtureRequest) -> str:
    """An empty bucket (or directory) URI on each backend in turn."""
    return root_on(request, request.param)
