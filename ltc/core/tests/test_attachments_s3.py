"""Attachments kept in S3-compatible object storage (LTC_STORAGE=s3): against moto's S3 server on a
loopback port, an upload through the service lands in the bucket and comes back through the
access-checked download view."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from ltc.core.attachments import attachment_add

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

PDF = b"%PDF-1.4\n% stored in a bucket\n%%EOF\n"
BUCKET = "ltc-attachments"
KEYS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_storage(settings: Any, s3_endpoint: str) -> Iterator[Any]:
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
        region_name=KEYS["region_name"],
    )
    client.create_bucket(Bucket=BUCKET)
    # As ltc/settings.py configures it for LTC_STORAGE=s3.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                **KEYS,
                "default_acl": "private",
                "querystring_auth": False,
                "file_overwrite": False,
            },
        },
    }
    yield client
    storages._storages.pop("default", None)  # the next test builds its own default storage


def test_an_attachment_goes_to_the_bucket_and_back_through_the_view(world: Any, web_as: Any, s3_storage: Any) -> None:
    attachment = attachment_add(
        actor=world.owner, record=world.account, upload=SimpleUploadedFile("合同扫描件.pdf", PDF), title="扫描件"
    )

    stored = s3_storage.get_object(Bucket=BUCKET, Key=attachment.file.name)
    response = web_as(world.owner).get(f"/attachments/{attachment.pk}/download/")

    assert type(storages["default"]).__name__ == "S3Storage"
    assert stored["Body"].read() == PDF
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert web_as(world.other).get(f"/attachments/{attachment.pk}/download/").status_code == 404
