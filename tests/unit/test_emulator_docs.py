"""emulator/README.md lists every extension module, so the documentation stays true."""

from __future__ import annotations

from pathlib import Path

from emulator import extensions

README = Path(__file__).resolve().parents[2] / "emulator" / "README.md"


def test_every_extension_is_in_the_readme_table():
    text = README.read_text()
    missing = [name for name in extensions.names() if f"| `{name}` |" not in text]
    assert not missing, f"add these to the table in emulator/README.md: {missing}"


def test_the_readme_names_no_extension_that_does_not_exist():
    rows = [line.split("`")[1] for line in README.read_text().splitlines() if line.startswith("| `")]
    assert set(rows) <= set(extensions.names())
