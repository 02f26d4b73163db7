"""Opening the PDF store the ``blobs`` setting names: ``file:///…``, ``postgresql`` or ``s3://…``.

The URL's form is checked when the settings load (:class:`pdfsign.config.Settings`); the
store itself is opened with the registry, since the ``postgresql`` one is its database.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError
from pdfsign.registry.blob_folder import FolderBlobs
from pdfsign.registry.blob_s3 import S3Blobs, S3Endpoint
from pdfsign.registry.blob_table import DatabaseBlobs
from pdfsign.registry.blobs import BlobStore
from pdfsign.registry.database import Database

__all__ = ["absolute_file_url", "open_blobs", "s3_endpoint"]


def s3_endpoint(settings: Settings) -> S3Endpoint:
    """The object store's endpoint and credentials from the ``s3_*`` settings."""
    return S3Endpoint(settings.s3_endpoint_url, settings.s3_region, settings.s3_access_key_id,
                      settings.s3_secret_access_key)


def absolute_file_url(url: str) -> str:
    """``url`` with a relative folder (``file:objects``, ``file:../pdfs``, ``file://./pdfs``)
    made absolute against the current directory; any other URL unchanged.

    For a command's argument (``migrate-store --to``), typed where the folder is meant
    relative to the shell's directory.  The ``blobs`` setting itself must be absolute,
    since every process reading it may start elsewhere.
    """
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", ".", "..") or (
            not parts.netloc and parts.path.startswith("/")) or parts.query or parts.fragment:
        return url
    return Path(unquote(parts.netloc + parts.path)).resolve().as_uri()


def open_blobs(url: str, db: Database, endpoint: S3Endpoint) -> BlobStore:
    """The store ``url`` (a checked ``blobs`` value) names, over ``db`` for ``postgresql``.

    :raises ConfigurationError: ``postgresql`` with a registry database that is not.
    """
    if url == "postgresql":
        if db.engine.dialect.name != "postgresql":
            raise ConfigurationError("blobs 'postgresql' needs the registry database on "
                                     "PostgreSQL (database_url)", field="blobs")
        return DatabaseBlobs(db)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return FolderBlobs(Path(unquote(parts.path)))
    return S3Blobs(parts.netloc, unquote(parts.path), endpoint)
