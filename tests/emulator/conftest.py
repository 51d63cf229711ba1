"""`flavour` runs an extension's test twice: on stock moto, where it must fail (strict
xfail: the gap is real), and on our emulator, where it must pass (the gap is closed)."""

from __future__ import annotations

import pytest

from emulator import launcher
from tests.conftest import start_emulator


@pytest.fixture(scope="session")
def stock_moto(tmp_path_factory):
    emu = start_emulator(tmp_path_factory.mktemp("stock"), stock=True)
    yield emu
    launcher.stop(emu.instance)


@pytest.fixture(params=[
    pytest.param("stock", marks=pytest.mark.xfail(strict=True, reason="the moto gap this extension closes")),
    "ours",
])
def flavour(request, emulator):
    """The emulator to test against, reset to empty."""
    emu = request.getfixturevalue("stock_moto") if request.param == "stock" else emulator
    emu.reset()
    return emu


@pytest.fixture
def aws(secured):
    """The module's `secured` emulator (see tests/emulator/tls.py), reset to empty."""
    secured.reset()
    return secured
