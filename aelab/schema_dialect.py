"""The JSON Schema dialect saved runs are read with, and a fault as one line.

Draft 2020-12 with a strict "integer" (1.0 is not a count) and two keywords of our own, checked
vectorised because a history holds up to millions of values (jsonschema's per-item checks cost
about 4 us each):

- `numbers`: on a list of values, {"dtype", "minimum", "maximum", "whole", "nullable"};
- `sizedByShape`: on an array object, its values' count is the product of its shape.

`first_fault(validator, instance)` is the first error, as "<where>: <value> is not allowed (<allowed>)".
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Iterator

import numpy as np
from jsonschema import Draft202012Validator, ValidationError, validators

INT64 = (-(2**63), 2**63 - 1)
_ITEM_TYPES = {"bool": {bool}, "int64": {int}, "float32": {int, float}, "float64": {int, float}}


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
