"""The reader's Arrow pool switch puts back whatever pool was in force, however its block ends."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pipeline.run.switches import system_pool


def test_the_previous_pool_is_back_after_the_block_even_when_it_raises() -> None:
    before = pa.default_memory_pool()
    with pytest.raises(RuntimeError), system_pool():
        assert pa.default_memory_pool().backend_name == "system"
        kept = pa.array(range(1000))  # made inside, freed outside: it keeps its pool
        raise RuntimeError("stop")
    assert pa.default_memory_pool().backend_name == before.backend_name
    assert kept.sum().as_py() == sum(range(1000))
    del kept
