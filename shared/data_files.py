"""The app's bundled data files (OpenAPI fragments, check catalogs, lint rules, the policy file's schema) read once.

They are YAML and read with libyaml's loader when PyYAML was built with it (its wheels are): the same safe subset
as the pure-Python loader, about 9x faster. The first request that needs the OpenAPI document otherwise spent
~0.7 s of one core parsing it (measured on the 2-core CI machine), all of it on the event loop.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> Any:
    """The file's data (safe subset only: no Python objects), or None for an empty file."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # a safe loader
