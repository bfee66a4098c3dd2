"""One small object-store interface over local directories, S3 and GCS, chosen by URI scheme.

Invariant: every location the pipeline reads or writes is a URI string (file://, s3:// or gs://) and
goes through `Storage`; no other module opens files, buckets or clients. Writes are whole-object:
a reader sees the old object or the new one, never a half-written one (atomic rename locally; S3 and
GCS objects appear only when their upload completes).
"""

from pipeline.storage.base import ObjectStore, StorageError, join, local_uri, parent, uri_from_path_or_uri
from pipeline.storage.resolver import (
    AirflowConnections,
    CredentialSource,
    DefaultChains,
    Storage,
)

__all__ = [
    "AirflowConnections",
    "CredentialSource",
    "DefaultChains",
    "ObjectStore",
    "Storage",
    "StorageError",
    "join",
    "local_uri",
    "parent",
    "uri_from_path_or_uri",
]
