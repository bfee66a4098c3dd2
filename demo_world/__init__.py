"""Demo worlds: realistic, deterministic partner drops, ownership register, policy and truth.

Invariant: everything here is a pure function of (logical date, tenant count, seed) until
`write_world` hands the bytes to `pipeline.storage`; nothing reads a clock or the environment.

- `build_world(WorldSpec(...))` / `write_world(storage, uri, spec, force=...)`: a complete world
  (see demo_world/world.py and the README it writes).
- `make_population(n_tenants, n_entities=..., seed=...)`: names, name variants, identifiers and truth at
  benchmark scale, with `.canonical()` giving frames shaped as pipeline.datasets says.
"""

from demo_world.population import LinkKey, Population, make_population
from demo_world.world import World, WorldExistsError, WorldSpec, build_world, write_world

__all__ = [
    "LinkKey",
    "Population",
    "World",
    "WorldExistsError",
    "WorldSpec",
    "build_world",
    "make_population",
    "write_world",
]
