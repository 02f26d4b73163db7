"""The ``s3://bucket/prefix`` store: PDF bytes as objects of any S3-compatible store, via boto3.

An object is ``<prefix>/ab/cdef…`` for the bytes hashing to ``abcdef…``.  An S3 PUT
is atomic (an object exists whole or not at all) and durable when it returns, so, like
the folder, a blob is complete before the version that names it commits.  Each upload
carries its MD5 (``Content-MD5``), which the server checks; every read is hash-checked
here.  The client is made per process: a batch forks its workers, and a boto3 client's
connection pool must not cross a fork.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from pdfsign.registry.blobs import (
    StoreUnavailableError,
    checked,
    missing,
    require_digest,
    sha256_hex,
)

__all__ = ["S3Blobs", "S3Endpoint"]

_ABSENT = {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True)
class S3Endpoint:
    """How to reach the object store (settings ``s3_*``; empty: boto3's own defaults)."""

    endpoint_url: str = ""
    region: str = ""
    access_key_id: str = ""
    secret_access_key: str = ""


class S3Blobs:
    """Blobs as objects in one bucket under one prefix (see the module)."""

    def __init__(self, bucket: str, prefix: str, endpoint: S3Endpoint) -> None:
        self.bucket, self.prefix, self.endpoint = bucket, prefix.strip("/"), endpoint
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self._client: Any = None
        self._pid = 0

    def client(self) -> Any:
        """This process's boto3 S3 client (path-style addressing for a custom endpoint)."""
        if self._client is None or self._pid != os.getpid():
            import boto3
            from botocore.config import Config

            e = self.endpoint
            config = Config(retries={"max_attempts": 5, "mode": "standard"},
                            request_checksum_calculation="when_required",
                            response_checksum_validation="when_required",
                            s3={"addressing_style": "path" if e.endpoint_url else "auto"})
            self._client = boto3.session.Session().client(
                "s3", endpoint_url=e.endpoint_url or None, region_name=e.region or None,
                aws_access_key_id=e.access_key_id or None,
                aws_secret_access_key=e.secret_access_key or None, config=config)
            self._pid = os.getpid()
        return self._client

    def key(self, digest: str) -> str:
        """The object key of the blob with ``digest``."""
        require_digest(digest)
        name = f"{digest[:2]}/{digest[2:]}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, data: bytes, session: Session | None = None) -> str:
        """Upload ``data`` unless an object of its size is there; durable on return.

        :raises StoreUnavailableError: the store refused or could not be reached.
        """
        digest = sha256_hex(data)
        if self._size(digest) == len(data):
            return digest
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        self._call("upload", digest, "put_object", Bucket=self.bucket, Key=self.key(digest),
                   Body=data, ContentMD5=md5, ContentType="application/pdf")
        return digest

    def get(self, digest: str) -> bytes:
        """Download the object, hash-checked."""
        reply = self._call("read", digest, "get_object", Bucket=self.bucket,
                           Key=self.key(digest))
        if reply is None:
            raise missing(digest)
        return checked(digest, reply["Body"].read())

    def has(self, digest: str) -> bool:
        """Whether an object is filed under ``digest``."""
        return self._size(digest) is not None

    def delete(self, digest: str) -> bool:
        """Delete the object; ``False`` if it was already gone."""
        if not self.has(digest):
            return False
        self._call("delete", digest, "delete_object", Bucket=self.bucket, Key=self.key(digest))
        return True

    def _size(self, digest: str) -> int | None:
        """The object's size, or ``None`` if there is none."""
        reply = self._call("look up", digest, "head_object", Bucket=self.bucket,
                           Key=self.key(digest))
        return None if reply is None else int(reply["ContentLength"])

    def _call(self, what: str, digest: str, operation: str, **params: Any) -> Any:
        """One S3 call; ``None`` when the object does not exist.

        :raises StoreUnavailableError: any other failure, naming the store and the reason.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client(), operation)(**params)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _ABSENT:
                return None
            raise StoreUnavailableError(f"PDFストアに接続できません / cannot {what} PDF "
                                        f"{digest} in {self.url}: {code or exc}",
                                        field="blobs") from None
        except BotoCoreError as exc:
            raise StoreUnavailableError(f"PDFストアに接続できません / cannot {what} PDF "
                                        f"{digest} in {self.url}: {exc}",
                                        field="blobs") from None
