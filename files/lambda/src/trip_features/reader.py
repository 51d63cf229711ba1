"""Bytes in, line batches out, in bounded memory.

Compression is detected from the first bytes (gzip magic), never from the key's name.
Multi-member gzip (concatenated .gz files) is valid gzip and is read whole; a stream
that ends before gzip's end-of-stream marker is a truncated object, reported, not
half-processed.
"""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

import numpy as np

from trip_features.errors import CorruptGzip, TooLarge, TruncatedGzip, UnsupportedEncoding

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = {b"\xff\xfe": "UTF-16-LE", b"\xfe\xff": "UTF-16-BE"}
_MAX_INFLATE = 1024 * 1024  # at most this much output per zlib call: a gzip bomb stays bounded
RATIO_GRACE = 64 * 1024 * 1024  # the compression ratio is judged only past this much output
_COALESCE = 256 * 1024
_WHITESPACE = b" \t\r\n\x0b\x0c"  # tiny pieces (many tiny gzip members) are joined before line framing


@dataclass(frozen=True)
class Batch:
    """Whole lines, separated by b'\\n'; `first_line` is the 1-based line number of the first."""

    first_line: int
    data: bytes


@dataclass(frozen=True)
class Oversized:
    """A line longer than the record limit: reported as a reject with its first bytes."""

    line: int
    head: bytes
    length: int


_END = object()


def read_ahead(chunks: Iterable[bytes], depth: int) -> Iterator[bytes]:
    """Pull `chunks` on a background thread, at most `depth` chunks ahead of the consumer,
    so network reads overlap processing. An error while reading is raised to the consumer,
    in order; a consumer that stops early stops the reader."""
    ahead: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def pump() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
        except BaseException as err:  # noqa: BLE001 (handed to the consumer and raised there)
            put(err)
            return
        put(_END)

    reader = threading.Thread(target=pump, name="s3-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = ahead.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join(timeout=5)  # a read in flight ends at its socket timeout; the thread is a daemon


def _first_bytes(chunks: Iterator[bytes], need: int) -> bytes:
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= need:
            break
    return head


def decompress(chunks: Iterable[bytes], max_bytes: int | None = None,
               max_ratio: int | None = None) -> Iterator[bytes]:
    """Yield the object's content, gunzipped when it starts with the gzip magic.

    Content past `max_bytes`, or gzip inflating past `max_ratio` times its compressed size
    (judged after the first RATIO_GRACE bytes), is refused (TooLarge) as soon as it is seen,
    so a small bomb costs seconds, not the 15 minutes.
    """
    it = iter(chunks)
    head = _first_bytes(it, 2)
    if not head.startswith(GZIP_MAGIC):
        total = 0
        for chunk in chain([head], it):
            total += len(chunk)
            if max_bytes is not None and total > max_bytes:
                raise TooLarge(f"object is over MAX_DECOMPRESSED_MIB ({max_bytes // 2**20} MiB)")
            if chunk:
                yield chunk
        return
    inflater = zlib.decompressobj(wbits=31)
    consumed = produced = 0
    for chunk in chain([head], it):
        data = chunk
        while data:
            if inflater.eof:  # a further gzip member follows
                inflater = zlib.decompressobj(wbits=31)
            try:
                out = inflater.decompress(data, _MAX_INFLATE)
            except zlib.error as err:
                raise CorruptGzip(f"not a valid gzip stream: {err}") from None
            rest = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
            consumed += len(data) - len(rest)
            if out:
                produced += len(out)
                _check_size(produced, consumed, max_bytes, max_ratio)
                yield out
            data = rest
    if not inflater.eof:
        raise TruncatedGzip("gzip stream ends before its end-of-stream marker (truncated upload?)")
    tail = inflater.flush()
    if tail:
        yield tail


def _check_size(produced: int, consumed: int, max_bytes: int | None, max_ratio: int | None) -> None:
    if max_bytes is not None and produced > max_bytes:
        raise TooLarge(f"decompressed content is over MAX_DECOMPRESSED_MIB ({max_bytes // 2**20} MiB)")
    if max_ratio is not None and produced > RATIO_GRACE and produced > max_ratio * consumed:
        raise TooLarge(f"gzip inflates over MAX_COMPRESSION_RATIO ({max_ratio}:1): {produced} bytes "
                       f"from the first {consumed} compressed (a decompression bomb, or data to split)")


def check_encoding(head: bytes) -> bytes:
    """Refuse encodings other than UTF-8 up front; return `head` without a UTF-8 BOM."""
    for bom, name in _OTHER_BOMS.items():
        if head.startswith(bom):
            raise UnsupportedEncoding(f"content is {name} (byte order mark); records must be UTF-8")
    if b"\x00" in head[:4096]:
        raise UnsupportedEncoding("content has NUL bytes: binary or UTF-16/32, not UTF-8 text")
    return head[len(UTF8_BOM):] if head.startswith(UTF8_BOM) else head


def _coalesce(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    pending: list[bytes] = []
    held = 0
    for chunk in chunks:
        pending.append(chunk)
        held += len(chunk)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    if held:
        yield b"".join(pending)


def _cr_only(head: bytes) -> bool:
    """Old Mac / some spreadsheet exports end lines with a lone CR: the first line break is a
    CR not followed by LF."""
    cr, lf = head.find(b"\r"), head.find(b"\n")
    return cr >= 0 and (lf < 0 or cr < lf) and head[cr + 1:cr + 2] != b"\n"


def line_batches(content: Iterable[bytes], batch_bytes: int, max_record_bytes: int,
                 batch_lines: int = 1 << 62) -> Iterator[Batch | Oversized]:
    """Group decompressed content into batches of whole lines: about `batch_bytes`, and at
    most `batch_lines` lines (so per-line work on short lines stays bounded too).

    Memory stays under batch_bytes + one chunk + max_record_bytes, whatever the size
    of the object: a line that grows past max_record_bytes is reported (Oversized) and
    skipped up to its end rather than buffered. Content whose lines end with a lone CR
    is read as such (CR -> LF).
    """
    it = _coalesce(content, _COALESCE)
    first = check_encoding(_first_bytes(it, 4096))
    cr_only = _cr_only(first)
    buf = b""
    line_no = 1
    skipping: Oversized | None = None  # inside an oversized line
    for chunk in chain([first], it):
        if cr_only:
            chunk = chunk.replace(b"\r", b"\n")
        if skipping is not None:
            end = chunk.find(b"\n")
            if end < 0:
                skipping = Oversized(skipping.line, skipping.head, skipping.length + len(chunk))
                continue
            yield Oversized(skipping.line, skipping.head, skipping.length + end)
            line_no += 1
            skipping = None
            chunk = chunk[end + 1:]
        data = buf + chunk
        last = data.rfind(b"\n")
        if last >= 0 and not data.translate(None, _WHITESPACE):
            # only blank lines: nothing will be parsed, so no cap on their number
            yield Batch(line_no, data[:last + 1])
            line_no += data.count(b"\n")
            buf = data[last + 1:]
            continue
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
        start = k = 0
        while k < len(ends):
            if len(ends) - k >= batch_lines:
                cut, taken = int(ends[k + batch_lines - 1]) + 1, batch_lines
            elif len(data) - start >= batch_bytes:
                cut, taken = int(ends[-1]) + 1, len(ends) - k
            else:
                break
            yield Batch(line_no, data[start:cut])
            line_no += taken
            start, k = cut, k + taken
        buf = data[start:]
        if len(buf) > max_record_bytes and b"\n" not in buf:
            skipping = Oversized(line_no, buf[:200], len(buf))
            buf = b""
    if skipping is not None:
        yield skipping
    elif buf:
        yield Batch(line_no, buf)
