"""What `train` and `monitor` share as jobs: run the work, print its one-line summary and
exit 0; or write the reason to the failure file SageMaker reads, and exit 1."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path


def run(work: Callable[[], str], user_errors: tuple[type[Exception], ...], failure: Path, name: str) -> int:
    try:
        summary = work()
    except user_errors as err:
        reason = str(err)
    except Exception as err:  # noqa: BLE001 - any failure must reach the failure file, then exit non-zero
        traceback.print_exc()
        reason = f"internal error: {type(err).__name__}: {err}"
    else:
        print(summary)
        return 0
    try:
        failure.parent.mkdir(parents=True, exist_ok=True)
        failure.write_text(reason + "\n")
    except OSError:
        pass   # outside a container /opt/ml may not be writable: stderr still has the reason
    print(f"{name} failed: {reason}", file=sys.stderr)
    return 1
