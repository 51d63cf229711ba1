"""The declared record schema (schema.json beside this file), compiled for validation."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

SCHEMA_FILE = Path(__file__).with_name("schema.json")
TYPES = ("string", "integer", "number", "timestamp")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    default: object = None
    min: float | None = None        # timestamps: epoch seconds
    max: float | None = None
    enum: frozenset[str] | None = None
    pattern: re.Pattern | None = None
    lowercase: bool = False


@dataclass(frozen=True)
class Schema:
    name: str
    version: int
    fields: tuple[Field, ...]
    min_duration_s: int
    max_duration_s: int
    max_speed_kmh: float
    airport_zones: tuple[int, ...]
    features: tuple[str, ...]
    raw: dict = field(repr=False, compare=False, default_factory=dict)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).astimezone(UTC).timestamp()


def compile_schema(doc: dict) -> Schema:
    fields = []
    for spec in doc["fields"]:
        if spec["type"] not in TYPES:
            raise ValueError(f"field {spec['name']}: unknown type {spec['type']!r}")
        low, high = spec.get("min"), spec.get("max")
        if spec["type"] == "timestamp":
            low = _epoch(low) if low is not None else None
            high = _epoch(high) if high is not None else None
        fields.append(Field(
            name=spec["name"], type=spec["type"], required=bool(spec.get("required", False)),
            default=spec.get("default"), min=low, max=high,
            enum=frozenset(spec["enum"]) if "enum" in spec else None,
            pattern=re.compile(spec["pattern"]) if "pattern" in spec else None,
            lowercase=bool(spec.get("lowercase", False)),
        ))
    rules = doc["rules"]
    return Schema(
        name=doc["name"], version=int(doc["version"]), fields=tuple(fields),
        min_duration_s=int(rules["min_duration_s"]), max_duration_s=int(rules["max_duration_s"]),
        max_speed_kmh=float(rules["max_speed_kmh"]),
        airport_zones=tuple(doc["airport_zones"]),
        features=tuple(f["name"] for f in doc["features"]), raw=doc,
    )


@lru_cache(maxsize=1)
def load() -> Schema:
    return compile_schema(json.loads(SCHEMA_FILE.read_text()))
