"""Stream an output object to S3: small outputs in one PUT, large ones as a multipart upload.

Parts upload on a background thread while the next batch is processed, with at most
`max_pending` parts in flight, so memory stays at about (max_pending + 1) x part size.
Nothing is visible under the output key until close() completes the upload; abort()
(on any failure) discards every part, so a failed run leaves no partial output.
"""

from __future__ import annotations

import contextlib
import hashlib
from concurrent.futures import Future, ThreadPoolExecutor


class S3Writer:
    def __init__(self, s3, bucket: str, key: str, part_bytes: int, content_type: str,
                 max_pending: int = 2) -> None:
        self.s3, self.bucket, self.key = s3, bucket, key
        self.part_bytes, self.content_type, self.max_pending = part_bytes, content_type, max_pending
        self.buf = bytearray()
        self.sha256 = hashlib.sha256()
        self.bytes = 0
        self.upload_id: str | None = None
        self.parts: list[Future] = []
        self._pool: ThreadPoolExecutor | None = None

    def write(self, data: bytes) -> None:
        if not data:
            return
        self.sha256.update(data)
        self.bytes += len(data)
        self.buf += data
        while len(self.buf) >= self.part_bytes:
            part = bytes(self.buf[:self.part_bytes])
            del self.buf[:self.part_bytes]
            self._submit(part)

    def _submit(self, part: bytes) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="s3-part")
        pending = [f for f in self.parts if not f.done()]
        if len(pending) >= self.max_pending:
            pending[0].result()  # back-pressure: wait for the oldest part
        number = len(self.parts) + 1
        self.parts.append(self._pool.submit(self._upload_part, number, part))

    def _upload_part(self, number: int, body: bytes) -> dict:
        # Parts run one at a time, in order, on the pool's thread: the first one starts the
        # multipart upload there, off the processing thread's path.
        if self.upload_id is None:
            if number != 1:
                raise RuntimeError("the multipart upload was not started (its first part failed)")
            self.upload_id = self.s3.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=self.content_type)["UploadId"]
        response = self.s3.upload_part(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
                                       PartNumber=number, Body=body)
        return {"PartNumber": number, "ETag": response["ETag"]}

    def close(self) -> dict | None:
        """Finish the object; returns its description, or None when nothing was written."""
        try:
            if self._pool is None:
                if not self.bytes:
                    return None
                response = self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=bytes(self.buf),
                                              ContentType=self.content_type)
            else:
                if self.buf:
                    self._submit(bytes(self.buf))
                parts = [f.result() for f in self.parts]
                response = self.s3.complete_multipart_upload(
                    Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
                    MultipartUpload={"Parts": parts})
        finally:
            self.buf = bytearray()
            if self._pool is not None:
                self._pool.shutdown(wait=True)
        return {"key": self.key, "bytes": self.bytes, "sha256": self.sha256.hexdigest(),
                "etag": response.get("ETag", "").strip('"'), "version_id": response.get("VersionId"),
                "parts": max(len(self.parts), 1)}

    def abort(self) -> None:
        """Discard whatever was uploaded (best effort: a lifecycle rule cleans up the rest)."""
        if self._pool is not None:
            for f in self.parts:
                f.cancel()
            self._pool.shutdown(wait=True)  # after this, upload_id is final
        if self.upload_id is not None:
            # Already failing: the original error is what matters, and the bucket's lifecycle
            # rule removes an upload this call could not abort.
            with contextlib.suppress(Exception):
                self.s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)
        self.buf = bytearray()
