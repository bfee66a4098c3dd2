"""The stack's object stores, Airflow connections and demo world: what airflow-init sets up.

Invariant: the connection ids here are the ones the run configurations name (deploy/config.example.yaml
and the demo configuration built by `bucket_config`), and every bucket URI in those configurations maps to
one of them; `main` can run any number of times (buckets and connections are created or replaced, the
demo world is rewritten with the same bytes).

Run by deploy/init.sh inside the Airflow image as `python -m deploy.stack` with the environment of the
airflow-init service (MINIO_ENDPOINT, MINIO_PIPELINE_USER, MINIO_PIPELINE_PASSWORD, GCS_ENDPOINT,
AZURITE_BLOB_ENDPOINT, RECON_CONFIG, RECON_SEED_DEMO, RECON_DEMO_DATE, RECON_DEMO_TENANTS). On MinIO it is the
pipeline's own user (deploy/minio/init.sh, run before it by minio-init, made it and the S3 buckets): never
the root credentials, which the Airflow connections would otherwise carry.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

# Airflow connection ids: the AWS partner's bucket, the GCP partner's bucket, the Azure partner's container,
# our own operations bucket.
AWS_CONN, GCP_CONN, AZURE_CONN, OPS_CONN = "aws_marketplace", "gcp_marketplace", "azure_marketplace", "recon_ops"
# Bucket names of the local stack (the e2e test uses the same layout on moto, the GCS emulator and Azurite).
AWS_BUCKET, GCP_BUCKET, OPS_BUCKET = "recon-aws-marketplace", "recon-gcp-marketplace", "recon-ops"
AZURE_CONTAINER = "recon-azure-marketplace"
AWS_WORLD, GCP_WORLD = f"s3://{AWS_BUCKET}/demo-world", f"gs://{GCP_BUCKET}/demo-world"
AZURE_WORLD = f"az://{AZURE_CONTAINER}/demo-world"
OPS_ROOT = f"s3://{OPS_BUCKET}"
GCP_PROJECT = "recon-local"
# Azurite's development account: public, the same in every Azurite (Microsoft documents it); local only.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def azurite_connection_string(blob_endpoint: str) -> str:
    """The connection string of Azurite's development account at `blob_endpoint` (http://host:port)."""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"BlobEndpoint={blob_endpoint.rstrip('/')}/{AZURITE_ACCOUNT};"
    )


def connections(
    *, s3_endpoint: str, access_key: str, secret_key: str, gcs_endpoint: str, azure_blob_endpoint: str
) -> dict[str, dict[str, Any]]:
    """Connection id -> fields (conn_type, login, password, extra as a mapping) for the three emulators.

    The S3 connections are read through the Amazon provider's hook (`endpoint_url` points it at MinIO);
    the GCS one without the google provider, by pipeline.storage.resolver.AirflowConnections, whose
    extras are `project`, `endpoint` (an emulator) and `keyfile_dict` (a service account, in production);
    the Azure one likewise without the Microsoft Azure provider, its extra `connection_string` (Azurite's
    development account here; in production an account URL with a key, SAS or service principal).
    """
    s3 = {
        "conn_type": "aws",
        "login": access_key,
        "password": secret_key,
        "extra": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"},
    }
    gcs = {"conn_type": "google_cloud_platform", "extra": {"project": GCP_PROJECT, "endpoint": gcs_endpoint}}
    azure = {"conn_type": "wasb", "extra": {"connection_string": azurite_connection_string(azure_blob_endpoint)}}
    return {AWS_CONN: s3, OPS_CONN: dict(s3), GCP_CONN: gcs, AZURE_CONN: azure}


def as_airflow_fields(conns: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The connections as `airflow connections import` and the REST API take them (extra as JSON text)."""
    return {conn_id: {**fields, "extra": json.dumps(fields["extra"])} for conn_id, fields in conns.items()}


def bucket_config(
    world_config: str,
    *,
    aws_world: str = AWS_WORLD,
    gcp_world: str = GCP_WORLD,
    azure_world: str = AZURE_WORLD,
    ops_root: str = OPS_ROOT,
) -> dict[str, Any]:
    """A demo world's configuration (paths relative to the world) with every path a bucket URI: the AWS
    partner's files and the policy on S3, the GCP partner's files and the ownership register on GCS, the
    Azure partner's files on Azure Blob, the run's own outputs under `ops_root`; `connections` maps each
    bucket to its Airflow connection."""
    cfg: dict[str, Any] = yaml.safe_load(world_config)
    for key in ("workspace", "reports", "audit", "judgements"):
        if cfg.get(key):
            cfg[key] = f"{ops_root}/{cfg[key]}"
    cfg["policy"] = f"{aws_world}/{cfg['policy']}"
    if cfg.get("exemptions"):
        cfg["exemptions"] = f"{aws_world}/{cfg['exemptions']}"
    cfg["ownership"]["sources"] = [_on_bucket(gcp_world, s) for s in cfg["ownership"]["sources"]]
    roots = {"aws_marketplace": aws_world, "gcp_marketplace": gcp_world, "azure_marketplace": azure_world}
    for partner in cfg["partners"]:
        root = roots[partner["kind"]]
        partner["inbox"], partner["outbox"] = f"{root}/{partner['inbox']}", f"{root}/{partner['outbox']}"
    cfg["connections"] = {
        _bucket(aws_world): AWS_CONN,
        _bucket(gcp_world): GCP_CONN,
        _bucket(azure_world): AZURE_CONN,
        _bucket(ops_root): OPS_CONN,
    }
    return cfg


def _on_bucket(root: str, source: str | dict[str, str]) -> str | dict[str, str]:
    """An ownership source (a path, or `{uri, format}`) with its path under `root`."""
    if isinstance(source, str):
        return f"{root}/{source}"
    return {**source, "uri": f"{root}/{source['uri']}"}


def _bucket(uri: str) -> str:
    scheme, rest = uri.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}/"


class EnvCredentials:
    """The init service's own access to the emulators (the tasks use the Airflow connections)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def s3_client(self, connection_id: str | None) -> Any:
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.env["MINIO_ENDPOINT"],
            aws_access_key_id=self.env["MINIO_PIPELINE_USER"],
            aws_secret_access_key=self.env["MINIO_PIPELINE_PASSWORD"],
            region_name="us-east-1",
        )

    def gcs_client(self, connection_id: str | None) -> Any:
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        return storage.Client(
            project=GCP_PROJECT,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.env["GCS_ENDPOINT"]},
        )

    def azure_client(self, connection_id: str | None) -> Any:
        from azure.storage.blob import BlobServiceClient

        return BlobServiceClient.from_connection_string(azurite_connection_string(self.env["AZURITE_BLOB_ENDPOINT"]))


def create_buckets(creds: Any) -> None:
    from botocore.exceptions import ClientError

    s3 = creds.s3_client(None)
    # On the stack the S3 buckets exist already (minio-init) and the pipeline's user may neither list all
    # buckets nor create one; elsewhere (the production test's S3 server) they are created here.
    for name in (AWS_BUCKET, OPS_BUCKET):
        try:
            s3.head_bucket(Bucket=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket"}:
                raise
            s3.create_bucket(Bucket=name)
    gcs = creds.gcs_client(None)
    if gcs.lookup_bucket(GCP_BUCKET) is None:
        gcs.create_bucket(GCP_BUCKET)
    blob = creds.azure_client(None).get_container_client(AZURE_CONTAINER)
    if not blob.exists():
        blob.create_container()


def seed_demo(storage: Any, date: dt.date, tenants: int, seed: int = 7) -> dict[str, Any]:
    """Write the demo world for `date` to every partner's bucket; return its bucket configuration."""
    from demo_world import WorldSpec, write_world
    from pipeline.storage import join

    spec = WorldSpec(date=date, tenants=tenants, seed=seed)
    for root in (AWS_WORLD, GCP_WORLD, AZURE_WORLD):
        write_world(storage, root, spec, force=True)
    return bucket_config(storage.read_text(join(AWS_WORLD, "config.yaml")))


def main(env: Mapping[str, str] = os.environ) -> int:
    from pipeline.storage import Storage

    creds = EnvCredentials(env)
    create_buckets(creds)
    conns = connections(
        s3_endpoint=env["MINIO_ENDPOINT"],
        access_key=env["MINIO_PIPELINE_USER"],
        secret_key=env["MINIO_PIPELINE_PASSWORD"],
        gcs_endpoint=env["GCS_ENDPOINT"],
        azure_blob_endpoint=env["AZURITE_BLOB_ENDPOINT"],
    )
    Path(env.get("RECON_CONNECTIONS_FILE", "/tmp/recon-connections.json")).write_text(
        json.dumps(as_airflow_fields(conns), indent=2)
    )
    if env.get("RECON_SEED_DEMO", "1") == "1":
        date = dt.date.fromisoformat(env.get("RECON_DEMO_DATE", "2026-11-26"))
        config = seed_demo(Storage(creds), date, int(env.get("RECON_DEMO_TENANTS", "400")))
        target = Path(env["RECON_CONFIG"])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(config, sort_keys=False))
        print(f"demo world for {date} in {AWS_WORLD}, {GCP_WORLD} and {AZURE_WORLD}; run configuration {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
