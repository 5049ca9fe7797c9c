"""Where a store is: a local folder, or a prefix of an S3-compatible bucket (`s3://bucket/prefix`).

A store on object storage is named by its URL and reached with the standard variables
(AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ALLOW_HTTP=true
for a local endpoint), so MinIO, Ceph, OSS, COS and AWS S3 all serve. Its paths are
ObjectPaths: the few things the store does with a pathlib.Path (join, list, read and write a
small file whole, remove one) done on objects, so the code that keeps journals and mappings
is the same for both.
"""
from __future__ import annotations

import fnmatch
import functools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pyarrow.fs as pafs

SCHEME = "s3://"
# what deltalake needs beyond the AWS_* variables: commits made safe for several writers by the
# server's conditional put (If-None-Match), with no lock service
CONDITIONAL_PUT = {"conditional_put": "etag"}
AWS_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ALLOW_HTTP")


def place(text: str | os.PathLike) -> Path | "ObjectPath":
    """A store's location from --data or KAM_DATA_DIR: s3://bucket/prefix, or a folder."""
    if isinstance(text, (Path, ObjectPath)):
        return text
    text = os.fspath(text)
    return ObjectPath.at(text) if text.startswith(SCHEME) else Path(text)


def on_objects(path) -> bool:
    return isinstance(path, ObjectPath)


def storage_options(path) -> dict[str, str] | None:
    """deltalake's options for a store on object storage (None for a folder)."""
    if not on_objects(path):
        return None
    found = {name: os.environ[name] for name in AWS_VARIABLES if os.environ.get(name)}
    if "AWS_REGION" not in found:
        found["AWS_REGION"] = found.pop("AWS_DEFAULT_REGION", "us-east-1")
    found.pop("AWS_DEFAULT_REGION", None)
    return found | CONDITIONAL_PUT


@functools.lru_cache(maxsize=None)
def _filesystem(endpoint: str | None, key: str | None, secret: str | None, token: str | None,
                region: str) -> pafs.S3FileSystem:
    options = {"region": region, "access_key": key, "secret_key": secret, "session_token": token}
    if endpoint:
        url = urlparse(endpoint)
        options |= {"endpoint_override": url.netloc or url.path, "scheme": url.scheme or "https"}
    return pafs.S3FileSystem(**{k: v for k, v in options.items() if v is not None})


def filesystem() -> pafs.S3FileSystem:
    """The object store as the environment names it (one per set of variables)."""
    env = os.environ.get
    return _filesystem(env("AWS_ENDPOINT_URL"), env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"),
                       env("AWS_SESSION_TOKEN"), env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "us-east-1")


@dataclass(frozen=True)
class Stat:
    st_mtime: float
    st_mtime_ns: int
    st_size: int


@dataclass(frozen=True, order=True)
class ObjectPath:
    """An object (or a prefix of objects) in a bucket, with pathlib's names for what the store does."""

    key: str  # bucket/prefix/name, without the scheme

    @classmethod
    def at(cls, url: str) -> "ObjectPath":
        key = url.removeprefix(SCHEME).strip("/")
        if not key or key.startswith("/"):
            raise ValueError(f"{url}: an object store location is s3://bucket/prefix")
        return cls(key)

    def __str__(self) -> str:
        return SCHEME + self.key

    def __truediv__(self, part: str | os.PathLike) -> "ObjectPath":
        return ObjectPath(f"{self.key}/{os.fspath(part)}".rstrip("/"))

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    @property
    def parent(self) -> "ObjectPath":
        return ObjectPath(self.key.rsplit("/", 1)[0])

    def with_suffix(self, suffix: str) -> "ObjectPath":
        stem = self.name.rsplit(".", 1)[0] if "." in self.name else self.name
        return self.parent / (stem + suffix)

    def resolve(self) -> "ObjectPath":
        return self

    def _info(self) -> pafs.FileInfo:
        return filesystem().get_file_info(self.key)

    def exists(self) -> bool:
        return self._info().type != pafs.FileType.NotFound

    def is_dir(self) -> bool:
        return self._info().type == pafs.FileType.Directory

    def is_file(self) -> bool:
        return self._info().type == pafs.FileType.File

    def mkdir(self, parents: bool = False, exist_ok: bool = False) -> None:
        """Object stores have no folders: a prefix exists once an object is under it."""

    def stat(self) -> Stat:
        info = self._info()
        if info.type == pafs.FileType.NotFound:
            raise FileNotFoundError(str(self))
        return Stat(info.mtime.timestamp() if info.mtime else 0.0, info.mtime_ns or 0, info.size or 0)

    def listing(self) -> list[tuple["ObjectPath", Stat]]:
        """The objects right under this prefix, with their times and sizes ([] when there are none)."""
        try:
            infos = filesystem().get_file_info(pafs.FileSelector(self.key, allow_not_found=True))
        except OSError:
            return []
        return [(ObjectPath(i.path), Stat(i.mtime.timestamp() if i.mtime else 0.0, i.mtime_ns or 0, i.size or 0))
                for i in infos if i.type == pafs.FileType.File]

    def iterdir(self):
        return (path for path, _ in self.listing())

    def glob(self, pattern: str):
        return (path for path in self.iterdir() if fnmatch.fnmatch(path.name, pattern))

    def read_bytes(self) -> bytes:
        try:
            with filesystem().open_input_stream(self.key) as f:
                return f.read()
        except FileNotFoundError:
            raise
        except OSError as error:
            if not self.exists():
                raise FileNotFoundError(str(self)) from None
            raise error

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)

    def write_bytes(self, data: bytes) -> None:
        """A PUT: the object appears whole, or not at all."""
        with filesystem().open_output_stream(self.key, metadata={}) as f:
            f.write(data)

    def write_text(self, text: str, encoding: str = "utf-8") -> None:
        self.write_bytes(text.encode(encoding))

    def unlink(self, missing_ok: bool = False) -> None:
        try:
            filesystem().delete_file(self.key)
        except FileNotFoundError:
            if not missing_ok:
                raise

    def open(self, *args, **kwargs):
        raise OSError(f"{self} is an object: it is written whole, not opened")


def write_whole(path, text: str, *, forced: bool = True) -> None:
    """Write a small file so that a reader sees all of it or none of it, also after its writer is
    killed. forced: on the disk before it returns (a machine's crash too); a file written often
    while others write much (a batch's journal entry) is not: the fsync waits for their data."""
    if on_objects(path):
        path.write_text(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, draft = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as f:
        f.write(text)
        if forced:
            f.flush()
            os.fsync(f.fileno())
    os.replace(draft, path)


def listing(folder) -> list[tuple[str, float]]:
    """The names of the files right in a folder (or under a prefix) with their mtimes; [] if none."""
    if on_objects(folder):
        return [(path.name, stat.st_mtime) for path, stat in folder.listing()]
    try:
        return [(e.name, e.stat().st_mtime) for e in os.scandir(folder) if e.is_file()]
    except FileNotFoundError:
        return []


def names(folder) -> list[str]:
    """The names right in a folder or under a prefix (files only on object storage), [] if none."""
    if on_objects(folder):
        return [path.name for path, _ in folder.listing()]
    try:
        return [e.name for e in os.scandir(folder)]
    except FileNotFoundError:
        return []
