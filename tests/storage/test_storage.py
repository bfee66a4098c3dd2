"""The same object-store contract, exercised on local directories, moto's S3 server and the GCS emulator."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.storage import Storage, StorageError, join
from pipeline.storage.frames import read_json, read_parquet, write_json, write_parquet


@pytest.fixture(params=["file", "s3", "gs"])
def root(request: pytest.FixtureRequest) -> str:
    if request.param == "file":
        return str(request.getfixturevalue("local_root"))
    endpoint = request.getfixturevalue("s3" if request.param == "s3" else "gcs")
    return f"{endpoint.root}/prefix"


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
