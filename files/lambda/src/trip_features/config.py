"""Configuration from environment variables, validated once at cold start.

A bad value fails the init phase with a message naming the variable, instead of failing
later on the first record.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from trip_features.errors import ConfigError

MIB = 1024 * 1024


@dataclass(frozen=True)
class Config:
    raw_prefix: str = "raw/"
    processed_prefix: str = "processed/"
    rejected_prefix: str = "rejected/"
    manifest_prefix: str = "manifests/"
    failure_queue_url: str = ""
    batch_bytes: int = 2 * MIB      # decompressed input per vectorised batch
    batch_lines: int = 16384        # and at most this many lines: per-line work stays bounded for short lines
    workers: int = 2                # batches processed at once (a Lambda over 1,769 MB has 2+ vCPUs)
    part_bytes: int = 8 * MIB       # multipart part size for outputs (S3 minimum is 5 MiB)
    max_record_bytes: int = 64 * 1024
    reject_record_bytes: int = 1024  # a reject keeps at most this much of its line (and its length)
    max_decompressed_bytes: int = 16 * 1024 * MIB  # more than 15 minutes can process
    max_compression_ratio: int = 200  # decompressed / compressed, checked past the first 64 MiB
    object_attempts: int = 3        # whole-object attempts on transient errors
    backoff_base_s: float = 0.5


def _prefix(env: dict[str, str], name: str, default: str) -> str:
    value = env.get(name, default)
    if not value or not value.endswith("/") or value.startswith("/"):
        raise ConfigError(f"{name} must be a key prefix ending with '/', not starting with it (got {value!r})")
    return value


def _int(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer (got {raw!r})") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high} (got {value})")
    return value


def from_env(env: dict[str, str] | None = None) -> Config:
    env = dict(os.environ if env is None else env)
    prefixes = {
        "raw_prefix": _prefix(env, "RAW_PREFIX", "raw/"),
        "processed_prefix": _prefix(env, "PROCESSED_PREFIX", "processed/"),
        "rejected_prefix": _prefix(env, "REJECTED_PREFIX", "rejected/"),
        "manifest_prefix": _prefix(env, "MANIFEST_PREFIX", "manifests/"),
    }
    values = list(prefixes.values())
    for a in values:
        for b in values:
            if a is not b and a.startswith(b):
                raise ConfigError(f"prefixes must not nest: {a!r} is inside {b!r} "
                                  "(outputs under the raw prefix would trigger the function again)")
    queue = env.get("FAILURE_QUEUE_URL", "")
    if not queue.startswith(("https://", "http://")):
        raise ConfigError(f"FAILURE_QUEUE_URL must be the failure queue's URL (got {queue!r})")
    return Config(
        **prefixes,
        failure_queue_url=queue,
        batch_bytes=_int(env, "BATCH_BYTES", 2 * MIB, 64 * 1024, 64 * MIB),
        batch_lines=_int(env, "BATCH_LINES", 16384, 1024, 1024 * 1024),
        workers=_int(env, "BATCH_WORKERS", 2, 1, 16),
        part_bytes=_int(env, "PART_BYTES", 8 * MIB, 5 * MIB, 64 * MIB),
        max_record_bytes=_int(env, "MAX_RECORD_BYTES", 64 * 1024, 1024, MIB),
        reject_record_bytes=_int(env, "REJECT_RECORD_BYTES", 1024, 200, MIB),
        max_decompressed_bytes=_int(env, "MAX_DECOMPRESSED_MIB", 16 * 1024, 1, 1024 * 1024) * MIB,
        max_compression_ratio=_int(env, "MAX_COMPRESSION_RATIO", 200, 2, 100000),
        object_attempts=_int(env, "OBJECT_ATTEMPTS", 3, 1, 10),
    )
