"""The inference service: SageMaker's `GET /ping` and `POST /invocations`, as an ASGI app.

No framework: two routes do not need one, and each layer costs requests per second
(bench/bench_model_image.py measures the whole stack against AWS's reference layout).
"""

from __future__ import annotations

import logging
import sys
import uuid
from pathlib import Path

import orjson

from eta_model import payload, trees
from eta_model.features import FEATURES

log = logging.getLogger("eta_model")
JSON = b"application/json"


class Service:
    """The loaded model and the request limits; `invoke` is the whole /invocations logic."""

    def __init__(self, model_dir: Path, max_payload_bytes: int, max_records: int) -> None:
        path = model_dir / "model.npz"
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist: train first, or mount the model at {model_dir}")
        self.trees = trees.load(path)
        if self.trees.features != FEATURES:
            raise ValueError(f"{path} was trained on {self.trees.features}; this image serves {FEATURES}")
        self.max_payload_bytes = max_payload_bytes
        self.max_records = max_records

    def invoke(self, content_type: str, accept: str, body: bytes) -> tuple[int, bytes, bytes]:
        """-> (status, media type, body). Client errors become 4xx; anything else raises."""
        try:
            media = payload.response_type(accept)
            x = payload.parse(content_type, body, self.max_records)
        except payload.BadRequest as err:
            return err.status, JSON, orjson.dumps(err.body())
        return 200, media.encode(), payload.render(self.trees.predict(x), media)


def _error(status: int, message: str) -> tuple[int, bytes, bytes]:
    return status, JSON, orjson.dumps({"error": message})


def create_app(service: Service):
    limit = service.max_payload_bytes

    async def respond(send, status: int, media: bytes, body: bytes) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", media), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def read_body(receive) -> bytes | None:
        """The body, or None when it exceeds the limit (the rest is not kept)."""
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def app(scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        try:
            if path == "/ping":
                result = (200, JSON, b'{"status":"healthy"}') if method in ("GET", "HEAD") else \
                    _error(405, "use GET /ping")
            elif path == "/invocations":
                if method != "POST":
                    result = _error(405, "use POST /invocations")
                else:
                    headers = dict(scope["headers"])
                    declared = headers.get(b"content-length")
                    body = None if declared and declared.isdigit() and int(declared) > limit else \
                        await read_body(receive)
                    if body is None:
                        result = _error(413, f"the body is over the {limit}-byte limit")
                    else:
                        result = service.invoke(headers.get(b"content-type", b"").decode("latin-1"),
                                                headers.get(b"accept", b"").decode("latin-1"), body)
            else:
                result = _error(404, f"no route {path}; the routes are GET /ping and POST /invocations")
        except Exception:
            incident = uuid.uuid4().hex[:12]
            log.exception("request failed (incident %s)", incident)
            result = _error(500, f"internal error (incident {incident}; the details are in the server log)")
        await respond(send, *result)

    return app


def configure_logging() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
