"""Landing files in an S3-compatible bucket (LANDING_URL=s3://bucket/prefix).

Endpoint, region and credentials come from the usual AWS environment
variables (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, ...), read by
boto3 itself. Objects directly under the prefix are candidates; imported
ones move to `<prefix>processed/`, refused or failed ones to
`<prefix>failed/`, so a listing of the prefix (with a delimiter, which keeps
those two out) only ever shows what is still to import.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.importing.file_kinds import is_importable


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str

    @classmethod
    def parse(cls, url: str) -> "S3Location":
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://bucket/key URL: {url}")
        return cls(parts.netloc, parts.path.lstrip("/"))

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]


def is_s3(location: str) -> bool:
    return str(location).startswith("s3://")


def s3_client():
    import boto3  # only bucket landing needs it

    return boto3.client("s3")


@dataclass(frozen=True)
class NewObject:
    url: str
    key: str
    etag: str
    last_modified: str

    @property
    def run_key(self) -> str:
        return f"{self.url}:{self.etag}"


def scan_bucket(client, landing_url: str, cursor: str | None) -> tuple[list[NewObject], str]:
    """Objects under the landing prefix not requested yet, and the next cursor.

    Cursor: {"last_modified": newest LastModified requested so far,
    "requested": {key: etag}} for objects still in the prefix; an object
    that left (imported and moved) is forgotten, so a new one under the same
    key is imported again. Each object is requested once per key and ETag.
    """
    landing = S3Location.parse(landing_url.rstrip("/") + "/")
    state = json.loads(cursor) if cursor else {"last_modified": None, "requested": {}}
    requested: dict = state.get("requested", {})
    newest = state.get("last_modified")
    found: list[NewObject] = []
    listed: dict[str, str] = {}
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=landing.bucket, Prefix=landing.key, Delimiter="/"):
        for item in page.get("Contents", []):
            key, etag = item["Key"], item["ETag"].strip('"')
            name = key.rsplit("/", 1)[-1]
            if not is_importable(name):
                continue
            listed[key] = etag
            if requested.get(key) == etag:
                continue
            stamp = item["LastModified"].isoformat()
            found.append(NewObject(f"s3://{landing.bucket}/{key}", key, etag, stamp))
            newest = max(newest or stamp, stamp)
    requested.update({o.key: o.etag for o in found})
    requested = {key: etag for key, etag in requested.items() if key in listed}
    found.sort(key=lambda o: o.last_modified)
    return found, json.dumps({"last_modified": newest, "requested": requested}, sort_keys=True)


def download(client, url: str, target: Path) -> Path:
    """Stream the object to `target` (ranged, chunked: never whole in memory)."""
    location = S3Location.parse(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    client.download_file(location.bucket, location.key, str(target))
    return target


def move_object(client, url: str, folder: str, import_id: int) -> str:
    """Move the object to `<landing prefix><folder>/<import id>-<name>`; returns its new URL."""
    source = S3Location.parse(url)
    prefix = source.key[: len(source.key) - len(source.name)]
    target = S3Location(source.bucket, f"{prefix}{folder}/{import_id}-{source.name}")
    # Managed copy: multipart for large objects.
    client.copy({"Bucket": source.bucket, "Key": source.key}, target.bucket, target.key)
    client.delete_object(Bucket=source.bucket, Key=source.key)
    return target.url
