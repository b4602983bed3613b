"""What a saved run's `resume` section must look like, as JSON Schema, and its first fault as one line.

aelab.run_file reads a section in two passes. HEADER_SCHEMA checks what the rest is measured
against: the config (each setting typed and ranged as SETTINGS says), the epoch, how many history
columns and snapshots the file holds. `section_schema(...)` then checks every other field against them:
each type and range, each array's dtype and exact shape, its values' count, type and range (finite,
within the dtype, whole where it counts). A shape is compared with the one the config gives before
any array is made, so a file cannot ask for memory it does not hold.

A setting the file lacks takes its default, so runs saved before a setting existed still load;
the arrays' shapes and the config's own checks still hold the rest to the run.
The dialect (strict integers, the vectorised `numbers` and `sizedByShape` keywords, one line per
fault) is aelab.schema_dialect's.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from functools import lru_cache

from jsonschema import Draft202012Validator

from aelab.config import SETTINGS, Config, Setting
from aelab.kept_epochs import HISTORY_BUDGET, SNAPSHOT_COUNT
from aelab.noise import BLOCK, ORDER_BLOCK
from aelab.results import METRICS
from aelab.run_patterns import with_patterns
from aelab.schema_dialect import RunValidator
from aelab.train import CONTINUABLE
from aelab.weights import Weights, parameter_count

FORMAT = "aelab-run"
VERSION = 1
UINT128 = 2**128 - 1
MAX_SNAPSHOTS = 2 * SNAPSHOT_COUNT + 4  # a run keeps at most SNAPSHOT_COUNT + 4 however it was continued
MAX_OPTIMIZER_ARRAYS = 12  # torch's Adam with restarts: 3 arrays for each of a seed's 4 parameters
MAX_CHANGES = 100_000


# The schemas.


def array_schema(dtype: str, shape: Sequence[int], nullable: bool = False, **limits: float | bool) -> dict:
    """An array as run_file.encode_array writes it: {"dtype", "shape", "values"}, all fixed but the values."""
    count = math.prod(shape)
    fixed = {"const": list(shape), "description": f"this run's is {list(shape)}"}
    return _encoded_array(dtype, fixed, {"minItems": count, "maxItems": count}, nullable, limits)


def shaped_array_schema(dtype: str, shapes: list[list[int]], nullable: bool = False, **limits: float | bool) -> dict:
    """The same, of any of `shapes`: its values' count is checked against the shape it has (sizedByShape)."""
    allowed = {"enum": shapes, "description": "a shape of this net's parameters"}
    # "sizedByShape" after "properties": the shape is one of this net's by then
    return _encoded_array(dtype, allowed, {}, nullable, limits) | {"sizedByShape": True}


def _encoded_array(dtype: str, shape: dict, count: dict, nullable: bool, limits: dict) -> dict:
    return {
        "type": "object",
        "required": ["dtype", "shape", "values"],
        "additionalProperties": False,
        "properties": {
            "dtype": {"const": dtype, "description": f"this run's arrays of it are {dtype}"},
            "shape": shape,
            "values": {"type": "array", **count, "numbers": {"dtype": dtype, "nullable": nullable, **limits}},
        },
    }


def setting_schema(setting: Setting) -> dict:
    """One Config field as SETTINGS allows it (hidden's limit, the width, is Config's to check)."""
    if setting.kind is str:
        return {"type": "string", "enum": list(setting.options), "description": setting.allowed()}
    schema = {"type": "integer" if setting.kind is int else "number", "minimum": setting.low}
    if setting.high is not None:
        schema["maximum"] = setting.high
    return schema | {"description": setting.allowed()}


def _object(properties: dict) -> dict:
    return {"type": "object", "required": list(properties), "additionalProperties": False, "properties": properties}


# Every setting optional: one a file lacks takes its default (Config's).
_CONFIG = _object({name: setting_schema(setting) for name, setting in SETTINGS.items()}) | {"required": []}

HEADER_SCHEMA = {
    "type": "object",
    "required": ["config", "seeds", "epoch", "recorder", "snapshot_epochs"],
    "properties": {
        "config": _CONFIG,
        "epoch": {"type": "integer", "minimum": 0, "description": "a whole number of epochs"},
        "recorder": {
            "type": "object",
            "required": ["history_epochs"],
            "properties": {
                "history_epochs": {
                    "type": "object",
                    "required": ["shape"],
                    "properties": {
                        "shape": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 1,
                            "prefixItems": [{"type": "integer", "minimum": 2, "maximum": HISTORY_BUDGET}],
                            "description": f"[columns], from 2 to {HISTORY_BUDGET:,}",
                        }
                    },
                }
            },
        },
        "snapshot_epochs": {"type": ["array", "null"], "maxItems": MAX_SNAPSHOTS},
    },
}


def _pcg64(seeds: int) -> dict:
    """The states of a seed's noise or order generator (numpy's PCG64: 128-bit state, odd increment)."""
    state = _object(
        {
            "bit_generator": {"const": "PCG64", "description": "aelab's generators are PCG64"},
            "state": _object(
                {
                    "state": {"type": "integer", "minimum": 0, "maximum": UINT128, "description": "0 to 2**128 - 1"},
                    "inc": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": UINT128,
                        "not": {"multipleOf": 2},
                        "description": "an odd whole number below 2**128",
                    },
                }
            ),
            "has_uint32": {"type": "integer", "enum": [0, 1], "description": "0 or 1"},
            "uinteger": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1, "description": "0 to 2**32 - 1"},
        }
    )
    return {
        "type": ["object", "null"],
        "required": ["generators", "used"],
        "additionalProperties": False,
        "properties": {
            "generators": {"type": "array", "minItems": seeds, "maxItems": seeds, "items": state},
            "used": {"type": "integer", "minimum": 0, "maximum": max(BLOCK, ORDER_BLOCK)},
        },
    }


def _optimizer(config: Config, seeds: int, epoch: int) -> dict:
    """The optimiser's arrays as either backend names them (numpy "mean", torch "0.exp_avg"), each of a
    shape a state of this net can have; the backend checks the exact names and shapes when it loads them."""
    patterns, hidden = config.width, config.hidden
    count = parameter_count(config)
    # numpy: (S, count), Adam's steps (S, 1); torch: one flat tensor, "step" a scalar, or a tensor per
    # seed and parameter (Adam with restarts)
    shapes = [[seeds, count], [seeds, 1], [seeds * count], [], [patterns, hidden], [1, hidden], [hidden, patterns]]
    shapes.append([1, patterns])

    def state(dtype: str, **limits: float | bool) -> dict:
        return shaped_array_schema(dtype, shapes, "whole" not in limits, **limits)

    # at most one update per pattern per epoch
    updates = {"minimum": 0, "maximum": epoch * config.pattern_count, "whole": True}
    return {
        "type": "object",
        "maxProperties": MAX_OPTIMIZER_ARRAYS,
        "propertyNames": {"pattern": r"^([0-9]{1,3}\.)?[a-z_]{1,24}$", "description": "<name> or <index>.<name>"},
        "patternProperties": {
            r"^steps$": state("float64", **updates),  # numpy's Adam: steps per seed
            r"\.step$": state("float32", **updates),  # torch's count of steps
            r"(^|\.)(square|exp_avg_sq|step_size)$": state(config.dtype, minimum=0.0),
        },
        "additionalProperties": state(config.dtype),
    }


def metric_limits(patterns: int) -> dict[str, dict]:
    """What each history metric can be (a NaN, null, where a seed has not measured it)."""
    fraction = {"minimum": 0.0, "maximum": 1.0}
    return {
        "loss": {"minimum": 0.0},  # every loss is a mean or sum of terms >= 0
        "accuracy": fraction,
        "bits_correct": fraction,
        "distinct_codes": {"minimum": 1.0, "maximum": float(patterns), "whole": True},
    }


def _recorder(config: Config, seeds: int, epoch: int, columns: int) -> dict:
    patterns, limits = config.pattern_count, metric_limits(config.pattern_count)
    arrays = {}
    for part, shape in (("history", [seeds, columns]), ("latest", [seeds])):
        arrays |= {f"{part}.{name}": array_schema("float64", shape, True, **limits[name]) for name in METRICS}
    arrays |= {f"initial.{n}": array_schema(config.dtype, shape) for n, shape in weight_shapes(config, seeds).items()}
    restarts = epoch // config.restart_after if config.restart_after else 0
    arrays |= {
        "history_epochs": array_schema("int64", [columns], minimum=0, maximum=config.epochs),
        "length": array_schema("int64", [seeds], minimum=0, maximum=epoch + 1),
        "first_output_solved": array_schema("int64", [seeds], minimum=-1, maximum=epoch),
        "first_solved": array_schema("int64", [seeds], minimum=-1, maximum=epoch),
        "alive": array_schema("bool", [seeds]),
        "ever_solved": array_schema("bool", [seeds]),
        "attempts": array_schema("int64", [seeds], minimum=0, maximum=restarts),
        "attempt_start": array_schema("int64", [seeds], minimum=0, maximum=epoch),
    }
    for name, width in (("last_good_activations", config.hidden), ("last_good_outputs", config.width)):
        # null: nothing diverged (run_file checks that against `alive`)
        arrays[name] = array_schema("float64", [seeds, patterns, width], nullable=True) | {"type": ["object", "null"]}
    return _object(arrays)


def weight_shapes(config: Config, seeds: int = 1) -> dict[str, list[int]]:
    n, k = config.width, config.hidden
    return dict(zip(Weights._fields, ([seeds, n, k], [seeds, k], [seeds, k, n], [seeds, n]), strict=True))


def _changes(epoch: int) -> dict:
    """[[epoch, {setting: [old, new]}], ...]: each a setting a paused run may change, both values allowed."""
    settings = {
        name: {
            "type": "array",
            "minItems": 2,
            "maxItems": 2,
            "items": setting_schema(SETTINGS[name]),
            "description": "[old, new]",
        }
        for name in sorted(CONTINUABLE - {"epochs"})
    }
    change = {
        "type": "array",
        "minItems": 2,
        "maxItems": 2,
        "prefixItems": [
            {"type": "integer", "minimum": 0, "maximum": epoch, "description": f"an epoch from 0 to {epoch}"},
            {"type": "object", "minProperties": 1, "additionalProperties": False, "properties": settings},
        ],
        "description": "[epoch, {setting: [old, new]}]",
    }
    return {"type": "array", "maxItems": MAX_CHANGES, "items": change}


@lru_cache(maxsize=16)
def section_validator(config: Config, epoch: int, columns: int, snapshots: int | None) -> Draft202012Validator:
    """section_schema's validator (kept: a page reads the same run again, a test reads many)."""
    return RunValidator(section_schema(config, epoch, columns, snapshots))


def section_schema(config: Config, epoch: int, columns: int, snapshots: int | None) -> dict:
    """The whole resume section of a single run of `config` at `epoch`, whose history has `columns`
    columns and which saved `snapshots` snapshots (None: it left them out)."""
    seeds, restart_after = 1, config.restart_after
    shape = [snapshots or 0, seeds, config.pattern_count, config.hidden]
    restart = {"type": "integer", "minimum": max(1, restart_after), "maximum": epoch}
    if restart_after:
        restart["multipleOf"] = restart_after
    restarts_per_seed = epoch // restart_after if restart_after else 0
    section = _object(
        {
            "format": {"const": FORMAT},
            "version": {"const": VERSION},
            "config": {"type": "object", "description": "checked already: HEADER_SCHEMA's config, then Config's own"},
            "seeds": {
                "type": "array",
                "items": {"type": "integer"},
                "const": [config.seed],
                "description": f"[{config.seed}], the config's seed",
            },
            "epoch": {"type": "integer", "minimum": 0, "maximum": config.epochs},
            "train_seconds": {
                "type": ["number", "null"],
                "minimum": 0,
                "maximum": sys.float_info.max,
                "description": "a finite number of seconds, at least 0, or null (not known)",
            },
            "weights": _object(
                {
                    name: array_schema(config.dtype, shape, nullable=True)
                    for name, shape in weight_shapes(config, 1).items()
                }
            ),
            "optimizer": _optimizer(config, seeds, epoch),
            "noise": _pcg64(seeds),
            "order": _pcg64(seeds),
            "recorder": _recorder(config, seeds, epoch, columns),
            "restarts": {
                "type": "array",
                "minItems": seeds,
                "maxItems": seeds,
                "items": {"type": "array", "maxItems": restarts_per_seed, "items": restart},
            },
            "snapshot_epochs": {
                "type": ["array", "null"] if snapshots is not None else "null",
                "items": {"type": "integer", "minimum": 0, "maximum": config.epochs},
            },
            "snapshots": array_schema("float32", shape, nullable=True) if snapshots is not None else {"type": "null"},
            "changes": _changes(epoch),
        }
    )
    return with_patterns(section, config, array_schema)
