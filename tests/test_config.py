"""The run configuration: read from a local path or from a bucket, relative paths resolved against its
own folder, bad files named in one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import ConfigError, Engine, load_config
from pipeline.storage import Storage, local_uri
from tests.conftest import Endpoint

CONFIG = """\
workspace: workspace
reports: reports
audit: s3://elsewhere/audit
policy: policies/policy.yaml
exemptions: policies/exemptions.yaml
ownership: {sources: [ownership/register.jsonl]}
partners:
  - {name: aws, kind: aws_marketplace, inbox: inbox/aws, outbox: outbox/aws}
"""


def test_a_local_configuration_resolves_against_its_folder(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG)
    config = load_config(tmp_path / "config.yaml")
    base = local_uri(tmp_path)
    assert config.config_uri == f"{base}/config.yaml"
    assert config.policy == f"{base}/policies/policy.yaml"
    assert config.partners[0].inbox == f"{base}/inbox/aws"
    assert config.audit == "s3://elsewhere/audit"
    # The same file named by its file:// URI.
    assert load_config(config.config_uri) == config


@pytest.mark.integration
def test_a_configuration_in_a_bucket_resolves_against_its_folder_uri(s3: Endpoint) -> None:
    uri = f"{s3.root}/runs/config.yaml"
    Storage().write_bytes(uri, CONFIG.encode())
    config = load_config(uri)
    assert config.config_uri == uri
    assert config.workspace == f"{s3.root}/runs/workspace"
    assert config.policy == f"{s3.root}/runs/policies/policy.yaml"
    assert config.ownership.uris == (f"{s3.root}/runs/ownership/register.jsonl",)
    assert config.partners[0].outbox == f"{s3.root}/runs/outbox/aws"
    assert config.audit == "s3://elsewhere/audit"


@pytest.mark.integration
def test_a_configuration_in_a_bucket_may_not_name_local_paths(s3: Endpoint) -> None:
    uri = f"{s3.root}/runs/config.yaml"
    Storage().write_bytes(uri, CONFIG.replace("policy: policies/policy.yaml", "policy: /etc/policy.yaml").encode())
    with pytest.raises(ConfigError, match=r"'/etc/policy.yaml' is a local path in a configuration read from a bucket"):
        load_config(uri)


@pytest.mark.integration
def test_a_missing_configuration_in_a_bucket_is_a_configuration_error(s3: Endpoint) -> None:
    with pytest.raises(ConfigError, match=r"runs/absent.yaml: cannot read the run configuration"):
        load_config(f"{s3.root}/runs/absent.yaml")


def test_an_unreadable_local_configuration_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"absent.yaml: cannot read the run configuration"):
        load_config(tmp_path / "absent.yaml")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match=r"list.yaml: the run configuration must be a mapping"):
        load_config(tmp_path / "list.yaml")


def test_the_engine_is_local_unless_the_configuration_says_spark(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG)
    assert load_config(tmp_path / "config.yaml").engine is Engine.LOCAL
    spark = "engine: spark\nspark: {master: 'local[4]', conf: {spark.executor.memory: 8g}}\n"
    (tmp_path / "spark.yaml").write_text(CONFIG + spark)
    config = load_config(tmp_path / "spark.yaml")
    assert config.engine is Engine.SPARK
    assert config.spark.master == "local[4]"
    assert config.spark.conf == {"spark.executor.memory": "8g"}


def test_an_unknown_engine_names_the_field(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG + "engine: dask\n")
    with pytest.raises(ConfigError, match=r"engine"):
        load_config(tmp_path / "config.yaml")
