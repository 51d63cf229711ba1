"""Each diagram under docs/diagrams/ is committed twice: its Graphviz source (`name.dot`) and
the picture (`name.png`), with `name.png.sha256` holding the hash of the source the picture
was rendered from (`make diagrams` writes both). A source edited without re-rendering fails
here, naming the file; Graphviz is not needed to run this check."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

DIAGRAMS = Path(__file__).resolve().parents[2] / "docs" / "diagrams"
SOURCES = sorted(DIAGRAMS.glob("*.dot"))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_there_are_diagrams():
    assert SOURCES, f"no Graphviz sources in {DIAGRAMS}"


@pytest.mark.parametrize("source", SOURCES, ids=[s.name for s in SOURCES])
def test_the_committed_png_was_rendered_from_this_source(source):
    png, stamp = source.with_suffix(".png"), source.with_suffix(".png.sha256")
    assert png.is_file() and png.read_bytes()[:8] == PNG_MAGIC, f"{png.name} is missing or not a PNG: make diagrams"
    assert stamp.is_file(), f"{stamp.name} is missing: make diagrams"
    rendered_from = stamp.read_text().strip()
    assert rendered_from == hashlib.sha256(source.read_bytes()).hexdigest(), (
        f"{png.name} is stale: {source.name} changed since it was rendered; run make diagrams and commit both")


@pytest.mark.parametrize("picture", sorted(DIAGRAMS.glob("*.png")), ids=lambda p: p.name)
def test_every_png_has_its_source(picture):
    assert picture.with_suffix(".dot").is_file(), f"{picture.name} has no {picture.with_suffix('.dot').name}"
