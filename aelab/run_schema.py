"""What a saved run's `resume` section must look like, as JSON Schema, and its first fault as one line.

aelab.run_file reads a section in two passes. HEADER_SCHEMA checks what the rest is measured
against: the config (each setting typed and ranged as SETTINGS says), the epoch, how many history
columns and snapshots the file holds. `section_schema(...)` then checks every field against them:
each type and range, each array's dtype and exact shape, its values' count, type and range (finite,
within the dtype, whole where it counts). A shape is compared with the one the config gives before
any array is made, so a file cannot ask for memory it does not hold.

The dialect is Draft 2020-12 with a strict "integer" (1.0 is not a count) and two keywords of our
own, checked vectorised because a history holds up to millions of values (jsonschema's per-item
checks cost about 4 us each):

- `numbers`: on a list of values, {"dtype", "minimum", "maximum", "whole", "nullable"};
- `sizedByShape`: on an array object, its values' count is the product of its shape.

`first_fault(validator, instance)` is the first error, as "<where>: <value> is not allowed (<allowed>)".
"""

from __future__ import annotations

import math
import reprlib
import sys
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np
from jsonschema import Draft202012Validator, ValidationError, validators

from aelab.config import SETTINGS, Config, Setting
from aelab.noise import BLOCK, ORDER_BLOCK
from aelab.recorder import HISTORY_BUDGET, SNAPSHOT_COUNT
from aelab.results import METRICS
from aelab.train import CONTINUABLE
from aelab.weights import Weights

FORMAT = "aelab-run"
VERSION = 1
INT64 = (-(2**63), 2**63 - 1)
UINT128 = 2**128 - 1
MAX_SNAPSHOTS = 2 * SNAPSHOT_COUNT + 4  # a run keeps at most SNAPSHOT_COUNT + 4 however it was continued
MAX_OPTIMIZER_ARRAYS = 12  # torch's Adam with restarts: 3 arrays for each of a seed's 4 parameters
MAX_CHANGES = 100_000
_ITEM_TYPES = {"bool": {bool}, "int64": {int}, "float32": {int, float}, "float64": {int, float}}


# The dialect: strict integers, and the two vectorised keywords.


def _numbers(validator, spec: dict, values: object, schema: dict) -> Iterator[ValidationError]:
    """Every value of the list is of the dtype, within [minimum, maximum], whole where asked,
    null (not a number) only where `nullable`: one pass of Python's type() and one of NumPy."""
    if type(values) is not list:
        return
    allowed = _ITEM_TYPES[spec["dtype"]] | ({type(None)} if spec.get("nullable") else set())
    if not set(map(type, values)) <= allowed:
        index = next(i for i, value in enumerate(values) if type(value) not in allowed)
        yield _item_error(values, index, spec)
        return
    if spec["dtype"] == "bool" or not values:
        return
    low, high = value_range(spec)
    if spec["dtype"] == "int64":  # Python ints: compared exactly, whatever their size
        if min(values) < low or max(values) > high:
            yield _item_error(values, next(i for i, v in enumerate(values) if not low <= v <= high), spec)
        return
    try:
        floats = np.array(values, dtype=np.float64)  # null -> NaN
    except OverflowError:  # a whole number beyond any float
        index = next((i for i, value in enumerate(values) if type(value) is int and not low <= value <= high), 0)
        yield _item_error(values, index, spec)
        return
    bad = (floats < low) | (floats > high) | np.isinf(floats)  # NaN (null) compares False
    if spec.get("whole"):
        bad |= np.isfinite(floats) & (floats != np.floor(floats))
    if bad.any():
        yield _item_error(values, int(np.flatnonzero(bad)[0]), spec)


def _sized_by_shape(validator, enabled: bool, array: object, schema: dict) -> Iterator[ValidationError]:
    """An array object whose shape another keyword allowed holds exactly prod(shape) values."""
    if not (enabled and isinstance(array, dict) and isinstance(array.get("shape"), list)):
        return
    shape, values = array["shape"], array.get("values")
    if all(type(n) is int for n in shape) and isinstance(values, list) and len(values) != math.prod(shape):
        yield ValidationError(f"expected {math.prod(shape)} values for shape {shape}, not {len(values)}")


def value_range(spec: dict) -> tuple[float, float]:
    """The inclusive range of a `numbers` spec: its own, within its dtype's."""
    if spec["dtype"] == "int64":
        low, high = INT64
    else:
        high = float(np.finfo(spec["dtype"]).max)
        low = -high
    return max(low, spec.get("minimum", low)), min(high, spec.get("maximum", high))


def describe_numbers(spec: dict) -> str:
    """e.g. 'float32 numbers from -3.40282e+38 to 3.40282e+38, or null'."""
    if spec["dtype"] == "bool":
        return "true or false"
    low, high = value_range(spec)
    kind = "whole numbers" if spec["dtype"] == "int64" or spec.get("whole") else f"finite {spec['dtype']} numbers"
    return f"{kind} from {low:g} to {high:g}" + (", or null (not a number)" if spec.get("nullable") else "")


def _item_error(values: list, index: int, spec: dict) -> ValidationError:
    return ValidationError(f"value {short(values[index])} at index {index} is not allowed ({describe_numbers(spec)})")


def _strict_integer(checker, instance: object) -> bool:
    return type(instance) is int


RunValidator = validators.extend(
    Draft202012Validator,
    {"numbers": _numbers, "sizedByShape": _sized_by_shape},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


# The schemas.


def array_schema(dtype: str, shape: Sequence[int], nullable: bool = False, **limits: float | bool) -> dict:
    """An array as run_file.encode writes it: {"dtype", "shape", "values"}, all fixed but the values."""
    return {
        "type": "object",
        "required": ["dtype", "shape", "values"],
        "additionalProperties": False,
        "properties": {
            "dtype": {"const": dtype, "description": f"this run's arrays of it are {dtype}"},
            "shape": {"const": list(shape), "description": f"this run's is {list(shape)}"},
            "values": {
                "type": "array",
                "minItems": math.prod(shape),
                "maxItems": math.prod(shape),
                "numbers": {"dtype": dtype, "nullable": nullable, **limits},
            },
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


_CONFIG = _object({name: setting_schema(setting) for name, setting in SETTINGS.items()})

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
    count = 2 * patterns * hidden + patterns + hidden
    # numpy: (S, count), Adam's steps (S, 1); torch: one flat tensor, "step" a scalar, or a tensor per
    # seed and parameter (Adam with restarts)
    shapes = [[seeds, count], [seeds, 1], [seeds * count], [], [patterns, hidden], [1, hidden], [hidden, patterns]]
    shapes.append([1, patterns])

    def state(dtype: str, **limits: float | bool) -> dict:
        return {
            "type": "object",
            "required": ["dtype", "shape", "values"],
            "additionalProperties": False,
            "properties": {
                "dtype": {"const": dtype, "description": f"this state is {dtype}"},
                "shape": {"enum": shapes, "description": "a shape of this net's parameters"},
                "values": {"type": "array", "numbers": {"dtype": dtype, "nullable": "whole" not in limits, **limits}},
            },
            "sizedByShape": True,  # after "properties": the shape is one of this net's by then
        }

    updates = {"minimum": 0, "maximum": epoch * patterns, "whole": True}  # at most one update per pattern per epoch
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
    patterns, limits = config.width, metric_limits(config.width)
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
    for name, width in (("last_good_activations", config.hidden), ("last_good_outputs", patterns)):
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
    shape = [snapshots or 0, seeds, config.width, config.hidden]
    restart = {"type": "integer", "minimum": max(1, restart_after), "maximum": epoch}
    if restart_after:
        restart["multipleOf"] = restart_after
    restarts_per_seed = epoch // restart_after if restart_after else 0
    return _object(
        {
            "format": {"const": FORMAT},
            "version": {"const": VERSION},
            "config": _CONFIG,
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


# One line for the first fault.

_SHORT = reprlib.Repr()
_SHORT.maxstring, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxlong, _SHORT.maxother, _SHORT.maxlevel = 40, 4, 3, 24, 40, 2
_TYPE_NAMES = {"object": "an object", "array": "a list", "integer": "a whole number", "number": "a number"}
_TYPE_NAMES |= {"string": "text", "null": "null", "boolean": "true or false"}


def short(value: object) -> str:
    """A value as it may appear in one line: long lists, texts and numbers cut short."""
    return _SHORT.repr(value)


def first_fault(validator: Draft202012Validator, instance: object) -> str | None:
    """The first thing wrong with `instance`, as one line; None when nothing is."""
    error = next(validator.iter_errors(instance), None)
    return None if error is None else describe(error)


def describe(error: ValidationError) -> str:
    """One line: where (the path in the section, e.g. "weights W1"), the value, and what is allowed."""
    path, keyword, instance, schema = list(error.absolute_path), error.validator, error.instance, error.schema
    noun = "entries"
    if path and path[-1] == "values" and keyword in ("numbers", "minItems", "maxItems"):
        path, noun = path[:-1], "values"  # "weights W1: value 1e+39 at index 4 ...", "... expected 24 values"
    where = " ".join(f"[{part}]" if isinstance(part, int) else str(part) for part in path) or "resume"
    if keyword in ("numbers", "sizedByShape"):
        return f"{where}: {error.message}"
    if keyword == "required":
        missing = next(name for name in error.validator_value if name not in instance)
        return f"{where}: {missing!r} is missing"
    if keyword == "additionalProperties":
        known = set(schema.get("properties", {}))
        extra = sorted(str(name) for name in instance if name not in known)
        return f"{where}: {short(extra[0] if extra else instance)} is not expected here"
    if keyword in ("minItems", "maxItems", "maxProperties", "minProperties"):
        low, high = schema.get(keyword.replace("max", "min")), schema.get(keyword.replace("min", "max"))
        size = f"{low}" if low == high else f"at least {low}" if keyword.startswith("min") else f"at most {high}"
        return f"{where}: expected {size} {noun}, not {len(instance)}"
    return f"{where}: {short(instance)} is not allowed ({schema.get('description') or _allowed(error)})"


def _allowed(error: ValidationError) -> str:
    keyword, value = error.validator, error.validator_value
    if keyword == "type":
        names = [value] if isinstance(value, str) else value
        return " or ".join(_TYPE_NAMES.get(name, name) for name in names)
    if keyword in ("minimum", "exclusiveMinimum"):
        return f"at least {value:g}"
    if keyword in ("maximum", "exclusiveMaximum"):
        return f"at most {value:g}"
    if keyword == "const":
        return f"expected {short(value)}"
    if keyword == "enum":
        return "one of " + ", ".join(short(option) for option in value)
    if keyword == "multipleOf":
        return f"a multiple of {value}"
    return f"{keyword} {short(value)}"
