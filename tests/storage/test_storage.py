"""The same object-store contract, exercised on local directories, moto's S3 server, the GCS emulator and
Azurite."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.storage import Storage, StorageError, join
from pipeline.storage.frames import read_json, read_parquet, write_json, write_parquet
from tests.servers import BACKENDS, Endpoint, root_on


@pytest.fixture(params=BACKENDS)
def root(request: pytest.FixtureRequest) -> str:
    return root_on(request, request.param)


def test_write_read_exists_list(root: str) -> None:
    storage = Storage()
    a, b, c = join(root, "x/a.txt"), join(root, "x/y/b.bin"), join(root, "z.txt")
    assert not storage.exists(a)
    storage.write_text(a, "héllo")
    storage.write_bytes(b, b"\x00\x01")
    storage.write_text(c, "zzz")
    assert storage.exists(a)
    assert storage.read_text(a) == "héllo"
    assert storage.read_bytes(b) == b"\x00\x01"
    with storage.open_read(b) as fh:
        assert fh.read() == b"\x00\x01"
    assert storage.list(join(root, "x") + "/") == [a, b]
    assert storage.list(root + "/") == [a, b, c]
    # A string prefix, as in the object stores, not only a folder.
    assert storage.list(join(root, "x/y/b")) == [b]


def test_overwrite_and_delete(root: str) -> None:
    storage = Storage()
    uri = join(root, "obj.json")
    write_json(storage, uri, {"b": 1, "a": [1, 2]})
    write_json(storage, uri, {"b": 2})
    assert read_json(storage, uri) == {"b": 2}
    storage.delete(uri)
    storage.delete(uri)  # deleting what is gone is not an error
    assert not storage.exists(uri)
    assert storage.list(root + "/") == []


def test_missing_object_names_the_uri(root: str) -> None:
    storage = Storage()
    uri = join(root, "nope.csv")
    with pytest.raises(StorageError, match=r"nope\.csv"):
        storage.read_bytes(uri)


def test_parquet_roundtrip_is_byte_stable(root: str) -> None:
    storage = Storage()
    df = pd.DataFrame({"tenant_id": ["000123456789", None], "rho": [0.5, 1.0]})
    uri = write_parquet(storage, join(root, "t.parquet"), df)
    first = storage.read_bytes(uri)
    write_parquet(storage, uri, df.copy())
    assert storage.read_bytes(uri) == first
    back = read_parquet(storage, uri)
    assert back["tenant_id"].iloc[0] == "000123456789"
    assert pd.isna(back["tenant_id"].iloc[1])


def test_unsupported_scheme() -> None:
    with pytest.raises(StorageError, match="unsupported URI scheme"):
        Storage().read_bytes("ftp://host/file")


_NO_PRECONDITIONS = "gcp-storage-emulator ignores if_generation_match (real GCS enforces it; see test_gcs_create)"


def test_create_writes_only_what_is_not_there(root: str) -> None:
    if root.startswith("gs://"):
        pytest.skip(_NO_PRECONDITIONS)
    storage = Storage()
    uri = join(root, "lease/partner=aws.json")
    assert storage.create(uri, b"first", "application/json")
    assert not storage.create(uri, b"second")
    assert storage.read_bytes(uri) == b"first"
    storage.delete(uri)
    assert storage.create(uri, b"third")
    assert storage.read_bytes(uri) == b"third"


def test_one_of_many_concurrent_creators_wins(root: str, request: pytest.FixtureRequest) -> None:
    if root.startswith("gs://"):
        pytest.skip(_NO_PRECONDITIONS)
    from concurrent.futures import ThreadPoolExecutor

    storage = Storage()
    uri = join(root, "lease/race.json")
    with ThreadPoolExecutor(max_workers=8) as pool:
        won = list(pool.map(lambda i: storage.create(uri, f"{i}".encode()), range(8)))
    assert won.count(True) == 1
    assert storage.read_bytes(uri) == str(won.index(True)).encode()


def test_an_abfs_uri_names_the_same_blob_as_az(azure: Endpoint) -> None:
    storage = Storage()
    storage.write_text(f"az://{azure.bucket}/same/blob.txt", "one blob")
    abfs = f"abfs://{azure.bucket}@devstoreaccount1.dfs.core.windows.net/same/blob.txt"
    assert storage.read_text(abfs) == "one blob"
    assert storage.list(f"abfs://{azure.bucket}@devstoreaccount1.dfs.core.windows.net/same/") == [abfs]


def test_gcs_create_asks_for_generation_zero_and_reads_412_as_taken() -> None:
    """What our GCS adapter sends and how it reads the answer; the emulator cannot enforce it."""
    from google.api_core import exceptions as gexc

    from pipeline.storage.gcs import GcsStore

    class Blob:
        def __init__(self, taken: bool) -> None:
            self.taken, self.calls = taken, []

        def upload_from_string(self, data: bytes, **kwargs: object) -> None:
            self.calls.append(kwargs)
            if self.taken:
                raise gexc.PreconditionFailed("At least one of the pre-conditions you specified did not hold.")

    class Client:
        def __init__(self, blob: Blob) -> None:
            self._blob = blob

        def bucket(self, name: str) -> Client:
            return self

        def blob(self, key: str) -> Blob:
            return self._blob

    free, taken = Blob(taken=False), Blob(taken=True)
    assert GcsStore(Client(free)).create("gs://b/k", b"x")
    assert not GcsStore(Client(taken)).create("gs://b/k", b"x")
    assert free.calls[0]["if_generation_match"] == 0
