"""Audio stores against real servers: a directory, and S3 (moto's server on 127.0.0.1)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from neuronlens.api.app import create_app
from neuronlens.config import Settings
from neuronlens.pipeline.fetch import FetchOptions, fetch_audio
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.storage.audio_store import (
    FileStore,
    S3Store,
    StorageUnavailable,
    audio_store_from_settings,
)
from neuronlens.storage.db import make_engine, migrate
from neuronlens.storage.repository import Repository
from tests.conftest import DATA_DIR, MODELS_DIR
from tests.support.live_server import serve_app
from tests.support.polling import wait_for_job
from tests.support.server_process import free_port

CLIP = DATA_DIR / "asr" / "common_voice_hi_23852775.mp3"
BUCKET = "calls"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and region: boto3 must not look for them on the network (IMDS)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def s3_endpoint(aws_env: None) -> Iterator[str]:
    """A real S3 API (moto's server) on loopback, with a bucket."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    s3_client(endpoint).create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:
    """A client signing with SigV4, so pre-signed URLs look like AWS's (X-Amz-Signature)."""
    config = Config(signature_version="s3v4")
    return boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)


def staged(store: FileStore | S3Store, job_id: str, data: bytes) -> Path:
    path = store.staging_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_file_store_keeps_todays_layout(tmp_path: Path) -> None:
    store = audio_store_from_settings(Settings(data_dir=tmp_path))
    assert isinstance(store, FileStore)
    assert store.staging_path("job_1") == tmp_path / "audio" / "job_1" / "audio"
    location = store.put("job_1", staged(store, "job_1", b"RIFF audio"))
    assert location == str(tmp_path / "audio" / "job_1" / "audio")
    with store.local_copy(location) as path:
        assert path.read_bytes() == b"RIFF audio"
    store.delete("job_1")
    assert not (tmp_path / "audio" / "job_1").exists()


def test_storage_url_selects_the_store(tmp_path: Path, aws_env: None) -> None:
    other = tmp_path / "shared"
    store = audio_store_from_settings(Settings(data_dir=tmp_path, storage_url=f"file://{other}"))
    assert isinstance(store, FileStore) and store.root == other
    s3 = audio_store_from_settings(
        Settings(data_dir=tmp_path, storage_url="s3://bucket/a/b/", s3_endpoint_url="http://x")
    )
    assert isinstance(s3, S3Store)
    assert (s3.bucket, s3.key_for("job_1")) == ("bucket", "a/b/job_1/audio")
    with pytest.raises(ValueError, match="NEURONLENS_STORAGE_URL"):
        audio_store_from_settings(Settings(data_dir=tmp_path, storage_url="ftp://x/y"))


def test_s3_store_put_get_delete(tmp_path: Path, s3_endpoint: str) -> None:
    store = S3Store(BUCKET, "audio", tmp_path / "staging", endpoint_url=s3_endpoint)
    data = CLIP.read_bytes()
    source = staged(store, "job_1", data)
    location = store.put("job_1", source)
    assert location == f"s3://{BUCKET}/audio/job_1/audio"
    assert not source.exists()  # the local staging copy is gone once stored
    with store.local_copy(location) as path:
        assert path.read_bytes() == data
    assert not path.exists()  # the temporary copy is removed after decoding
    store.delete("job_1")
    listing = s3_client(s3_endpoint).list_objects_v2(Bucket=BUCKET)
    assert listing.get("KeyCount", 0) == 0
    store.delete("job_1")  # idempotent


def test_s3_store_uploads_large_audio_in_parts(tmp_path: Path, s3_endpoint: str) -> None:
    """A 17 MB recording goes up as 8 MB parts streamed from disk, not one in-memory body."""
    store = S3Store(BUCKET, "", tmp_path / "staging", endpoint_url=s3_endpoint)
    data = os.urandom(17 * 1024 * 1024)
    location = store.put("job_big", staged(store, "job_big", data))
    head = s3_client(s3_endpoint).head_object(Bucket=BUCKET, Key="job_big/audio")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-3")  # a multipart upload of three parts
    with store.local_copy(location) as path:
        assert path.stat().st_size == len(data)


def test_unreachable_store_raises_storage_unavailable(tmp_path: Path, s3_endpoint: str) -> None:
    store = S3Store(
        BUCKET, "", tmp_path / "staging", endpoint_url=f"http://127.0.0.1:{free_port()}"
    )
    with pytest.raises(StorageUnavailable) as error:
        store.put("job_1", staged(store, "job_1", b"audio"))
    assert error.value.code == "storage_unavailable"


def test_presigned_url_is_a_realistic_audio_url(tmp_path: Path, s3_endpoint: str) -> None:
    client = s3_client(s3_endpoint)
    client.put_object(Bucket=BUCKET, Key="in/call.mp3", Body=CLIP.read_bytes())
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "in/call.mp3"}, ExpiresIn=900
    )
    assert "X-Amz-Signature=" in url
    result = fetch_audio(url, tmp_path / "audio", FetchOptions(allow_private=True))
    assert result.path.read_bytes() == CLIP.read_bytes()


@pytest.mark.slow
def test_a_job_end_to_end_with_audio_in_s3(
    tmp_path: Path, s3_endpoint: str, model_registry: ModelRegistry
) -> None:
    """Ingest from a pre-signed URL, keep the audio in S3, transcribe, delete it with the job."""
    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(database_url)
    migrate(engine)
    key = Repository(engine).create_account("s3")[1]
    engine.dispose()
    client = s3_client(s3_endpoint)
    client.put_object(Bucket=BUCKET, Key="in/call.mp3", Body=CLIP.read_bytes())
    audio_url = client.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "in/call.mp3"}, ExpiresIn=900
    )
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        model_cache_dir=MODELS_DIR,
        allow_private_urls=True,
        poll_interval=0.1,
        storage_url=f"s3://{BUCKET}/stored",
        s3_endpoint_url=s3_endpoint,
    )
    app = create_app(settings, models=model_registry)
    with (
        serve_app(app) as base_url,
        httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}) as api,
    ):
        job_id = api.post(
            "/transcription", json={"audio_url": audio_url, "language": "hi-IN"}
        ).json()["job_id"]
        body = wait_for_job(api, job_id, timeout=120)
        assert body["status"] == "completed", body["error"]
        assert body["transcript"]
        stored = f"stored/{job_id}/audio"
        head = client.head_object(Bucket=BUCKET, Key=stored)
        assert head["ContentLength"] == CLIP.stat().st_size
        assert api.delete(f"/transcription/{job_id}").status_code == 200
    keys = client.list_objects_v2(Bucket=BUCKET, Prefix="stored/").get("KeyCount", 0)
    assert keys == 0
    assert not list((tmp_path / "data").glob("staging/*/audio"))  # no local copies left
