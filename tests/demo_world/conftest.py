"""A small demo world written once per session to a local directory."""

from __future__ import annotations

import pytest

from demo_world import WorldSpec, write_world
from pipeline.storage import Storage
from tests.demo_world.world import DATE, WrittenWorld


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory) -> WrittenWorld:
    root = tmp_path_factory.mktemp("demo-world")
    world = write_world(Storage(), root.as_uri(), WorldSpec(DATE, tenants=160, seed=11))
    return WrittenWorld(root, world)
