"""Serve moto (with the project's extensions) over HTTP and, optionally, HTTPS.

Both listeners share one in-process moto state, so a test can create resources over
HTTP and then check TLS-only bucket policies over HTTPS against the same buckets.
"""

from __future__ import annotations

import logging
import signal
import ssl
import threading

from werkzeug.serving import make_server

from emulator import extensions


def build_app(stock: bool = False):
    if not stock:
        extensions.apply_all()
    # Imported after the extensions so that patched backends are the ones served.
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def _ssl_context(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def serve(host: str, port: int, tls_port: int | None = None, tls_cert: str | None = None,
          tls_key: str | None = None, stock: bool = False) -> None:
    """Run until SIGTERM/SIGINT. Blocks. `stock` serves moto without our extensions
    (tests use it to show each extension closes a real gap)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = build_app(stock)
    servers = [make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)]
    if tls_port:
        if not (tls_cert and tls_key):
            raise SystemExit("--tls-port needs --tls-cert and --tls-key")
        servers.append(make_server(host, tls_port, app, threaded=True,
                                   request_handler=MotoRequestHandler,
                                   ssl_context=_ssl_context(tls_cert, tls_key)))
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    logging.info("emulator listening on %s", ", ".join(f"{host}:{s.server_port}" for s in servers))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.shutdown()
