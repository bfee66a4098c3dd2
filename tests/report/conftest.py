"""Report fixtures: the sample run's report inputs, and a real headless Chromium for the session.

Chromium comes from Debian's `chromium` package. If /usr/bin/chromium is missing, the session fixture
installs it with `apt-get install -y chromium` (as root, waiting for another dpkg holder's lock, with
one `apt-get update` and retry if the index is stale); if that is impossible the browser tests fail
with apt's message rather than being skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipeline.report import ReportInputs
from tests import sample_run
from tests.report import chromium


@pytest.fixture
def inputs() -> ReportInputs:
    result: ReportInputs = sample_run.report_inputs()
    return result


@pytest.fixture(scope="session")
def chromium_binary() -> str:
    return chromium.ensure_chromium()


@pytest.fixture(scope="session")
def browser_port(chromium_binary: str) -> Iterator[int]:
    with chromium.browser(chromium_binary) as port:
        yield port
