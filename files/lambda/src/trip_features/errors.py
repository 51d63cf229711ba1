"""Outcomes that stop one object. Record-level problems are never errors: they are rejects."""

from __future__ import annotations


class PermanentError(Exception):
    """Retrying the same object version cannot succeed: report it on the failure queue."""

    kind = "Permanent"

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.context = context


class ObjectMissing(PermanentError):
    kind = "ObjectMissing"


class UnsupportedEncoding(PermanentError):
    kind = "UnsupportedEncoding"


class TruncatedGzip(PermanentError):
    kind = "TruncatedGzip"


class CorruptGzip(PermanentError):
    kind = "CorruptGzip"


class UnrecognisedFormat(PermanentError):
    kind = "UnrecognisedFormat"


class AccessDenied(PermanentError):
    kind = "AccessDenied"


class ObjectChanged(PermanentError):
    """The key now holds other content than the event named (unversioned bucket, ETag mismatch)."""

    kind = "ObjectChanged"


class TooLarge(PermanentError):
    """Decompressed content over MAX_DECOMPRESSED_BYTES, or a compression ratio over the cap."""

    kind = "TooLarge"


class KeyTooLong(PermanentError):
    """An output key would pass S3's 1,024-byte limit."""

    kind = "KeyTooLong"


class InvalidEvent(PermanentError):
    """Not an S3 object event, or one missing the bucket or key."""

    kind = "InvalidEvent"


class TransientError(Exception):
    """Worth retrying with backoff (throttling, 5xx, a dropped connection mid-stream)."""


class ConfigError(Exception):
    """The function's environment is wrong; raised at cold start, naming the variable."""
