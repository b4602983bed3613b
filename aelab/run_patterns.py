"""A csv run's patterns in its saved file: every other set is made again from the config, but a csv
set came from the user's file, so the saved run carries its (P, N) patterns to be opened and resumed.

`patterns_entry` writes them into the resume section, `with_patterns` adds them to that section's
schema (required for a csv run, null or absent for any other: runs saved before stay valid), and
`saved_inputs` reads them back once the schema has checked them (float64, the config's shape, 0..1).
"""

from __future__ import annotations

import numpy as np

from aelab.config import Config


def patterns_entry(config: Config, inputs: np.ndarray, encode) -> dict | None:
    """The section's "patterns": a csv run's inputs (P, N) as `encode` writes arrays; None for other sets."""
    return encode(np.asarray(inputs, dtype=np.float64)) if config.data == "csv" else None


def with_patterns(section: dict, config: Config, array_schema) -> dict:
    """A resume section's schema with its "patterns": a csv run's required, other runs' null or absent."""
    if config.data == "csv":
        shape = [config.pattern_count, config.width]
        entry = array_schema("float64", shape, minimum=0.0, maximum=1.0)
        required = [*section["required"], "patterns"]
    else:
        entry = {"type": "null", "description": "only a csv run carries its patterns"}
        required = section["required"]
    return section | {"properties": section["properties"] | {"patterns": entry}, "required": required}


def saved_inputs(section: dict, config: Config, decode) -> np.ndarray | None:
    """A checked section's csv patterns (P, N), or None for a set the config makes itself."""
    return decode(section["patterns"]) if config.data == "csv" else None
