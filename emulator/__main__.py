"""Command line: python -m emulator {start,stop,status,serve} [options].

Defaults come from EMULATOR_HOST / EMULATOR_PORT / EMULATOR_STATE_DIR, so the inventory,
the Makefile and the tests all name one instance the same way.
"""

from __future__ import annotations

import argparse
import os
import sys

from emulator import launcher


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status", "serve"])
    parser.add_argument("--host", default=os.environ.get("EMULATOR_HOST", launcher.DEFAULT_HOST))
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("EMULATOR_PORT", launcher.DEFAULT_PORT)))
    parser.add_argument("--state-dir", default=os.environ.get("EMULATOR_STATE_DIR") or None)
    parser.add_argument("--tls-port", type=int,
                        default=int(os.environ["EMULATOR_TLS_PORT"]) if os.environ.get("EMULATOR_TLS_PORT") else None,
                        help="HTTPS port, same state (default: --port + 1)")
    parser.add_argument("--tls-cert", default=None,
                        help="PEM certificate (default: one made in the state folder)")
    parser.add_argument("--tls-key", default=None, help="PEM private key for --tls-cert")
    parser.add_argument("--stock", action="store_true",
                        help="serve plain moto without the project's extensions (for tests)")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the emulator binds to loopback only (--host 127.0.0.1)")

    if args.command == "serve":
        from emulator.server import serve

        serve(args.host, args.port, args.tls_port, args.tls_cert, args.tls_key, args.stock)
        return 0

    inst = launcher.Instance(host=args.host, port=args.port, state_dir=args.state_dir,
                             tls_port=args.tls_port, tls_cert=args.tls_cert, tls_key=args.tls_key,
                             stock=args.stock)
    try:
        result = getattr(launcher, args.command)(inst)
    except RuntimeError as err:
        print(f"emulator {args.command} failed: {err}", file=sys.stderr)
        return 1
    print(launcher.as_json(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
