"""requirements.yml (for AWX/Galaxy) names the collection versions the pinned ansible bundles."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]


def installed_collections() -> dict[str, str]:
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    out = subprocess.run([str(galaxy), "collection", "list", "--format", "json"], capture_output=True,
                         text=True, check=True).stdout
    found: dict[str, str] = {}
    for collections in json.loads(out).values():
        for name, info in collections.items():
            found.setdefault(name, info["version"])
    return found


def test_requirements_yml_matches_the_bundled_collections():
    wanted = yaml.safe_load((PROJECT_DIR / "requirements.yml").read_text())["collections"]
    have = installed_collections()
    for collection in wanted:
        assert have.get(collection["name"]) == collection["version"], collection["name"]


def test_requirements_txt_pins_every_package():
    lines = [line for line in (PROJECT_DIR / "requirements.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines, "requirements.txt is empty"
    assert all("==" in line for line in lines), [line for line in lines if "==" not in line]
