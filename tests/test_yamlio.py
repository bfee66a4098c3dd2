"""The YAML people edit (configuration, policy, exemptions) cannot explode: no aliases, bounded text and
messages, and plan judges those files before any extraction."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from demo_world import WorldSpec, write_world
from pipeline import yamlio
from pipeline.config import ConfigError, load_config
from pipeline.errors import MAX_MESSAGE_CHARS, RunStopped
from pipeline.policy.definition import PolicyError, load_policy_text
from pipeline.policy.exemptions import ExemptionError, load_exemptions_text
from pipeline.run import stages
from pipeline.run.context import RunContext
from pipeline.storage import Storage, local_uri

# The classic "billion laughs": nine levels of ten aliases each, 10^9 leaves from under 1 kB of text.
BOMB = "\n".join(
    ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    + ["id: *a8", "version: x", "restricted_jurisdictions: [CN]"]
)


def test_aliases_are_refused_before_anything_expands() -> None:
    tracemalloc.start()
    with pytest.raises(yamlio.YamlRefused, match=r"line 1, .*anchors and aliases"):
        yamlio.load(BOMB, "policy.yaml")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 10_000_000


@pytest.mark.parametrize(
    ("load", "error"),
    [
        (lambda text: load_policy_text(text, "p.yaml"), PolicyError),
        (lambda text: load_exemptions_text(text, "e.yaml"), ExemptionError),
    ],
)
def test_policy_and_exemptions_refuse_the_bomb_quickly(load: object, error: type[Exception]) -> None:
    started = time.perf_counter()
    with pytest.raises(error, match="anchors and aliases") as caught:
        load(BOMB)  # type: ignore[operator]
    assert time.perf_counter() - started < 5
    assert len(str(caught.value)) < 500


def test_the_configuration_refuses_aliases(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("workspace: &w ws\nreports: *w\n")
    with pytest.raises(ConfigError, match=r"config\.yaml.*anchors and aliases"):
        load_config(path)


def test_oversized_text_is_refused() -> None:
    with pytest.raises(yamlio.YamlRefused, match="more than the"):
        yamlio.load("a: " + "x" * (yamlio.MAX_TEXT_BYTES + 1), "big.yaml")


def test_messages_do_not_echo_huge_values_and_are_capped() -> None:
    huge = "X" * 5_000_000
    with pytest.raises(PolicyError) as policy:
        load_policy_text(f"id: p\nversion: v\nrestricted_jurisdictions: [CN]\n{huge}: 1\n", "p.yaml")
    assert len(str(policy.value)) < 1000
    with pytest.raises(ExemptionError) as exemption:
        load_exemptions_text(f"exemptions:\n  - id: {'9' * 100_000}\n", "e.yaml")
    assert len(str(exemption.value)) < 1000
    assert len(str(RunStopped("y" * 10_000_000))) <= MAX_MESSAGE_CHARS


def test_plan_judges_the_policy_and_exemptions_before_any_extraction(tmp_path: Path) -> None:
    date = dt.date(2026, 11, 26)
    world = tmp_path / "world"
    write_world(Storage(), local_uri(world), WorldSpec(date=date, tenants=10, seed=3))
    config = load_config(world / "config.yaml")
    ctx = RunContext(config, date, "plan__check", Storage())
    assert stages.plan(ctx) == [p.name for p in config.partners]
    policy = Path(config.policy.removeprefix("file://"))
    policy.write_text(policy.read_text() + "\nownership: {method: sideways}\n")
    with pytest.raises(PolicyError, match=r"ownership\.method"):
        stages.plan(ctx)
    policy.write_text(yaml.safe_dump({"id": "p", "version": "v", "restricted_jurisdictions": ["CN"]}))
    assert config.exemptions
    Path(config.exemptions.removeprefix("file://")).write_text("exemptions: [{id: x}]\n")
    with pytest.raises(ExemptionError, match=r"exemptions\[0\]"):
        stages.plan(ctx)
