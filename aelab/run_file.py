"""A saved run that can be trained on: the `resume` section of a run's JSON, and reading it back.

`train --json` (and the page's JSON download) add to aelab.formats.run_json a `resume` object
holding what exact continuation needs: the weights, the optimiser's state, the noise and
pattern-order generators' states, the recorder's (history, solved epochs, restarts, snapshots).
Arrays are {"dtype", "shape", "values"}, values flat; a NaN (a diverged seed's weights, a history
not yet measured, an unknown train_seconds) is written as null and read back as NaN.

`load_trainer(text)` reads strictly: the section against aelab.run_schema (every
field typed and ranged, every array's dtype and shape those of the config's net,
before any array is made), then what a schema cannot say (the history agrees
with the lengths and the restarts, a live seed's weights are finite), then the
config itself (Config's own checks). Whatever is wrong is one RunFileError with
one line naming the field, the value and what is allowed. It opens no file: it
is given the text.
"""

from __future__ import annotations

import json
import math
from functools import partial

import numpy as np

from aelab import run_schema
from aelab.backends import make_backend
from aelab.config import SETTINGS, Config, ConfigError
from aelab.formats import json_list, json_number
from aelab.noise import HiddenNoise, PatternOrder
from aelab.results import METRICS
from aelab.run_patterns import patterns_entry, saved_inputs
from aelab.run_schema import FORMAT, VERSION
from aelab.schema_dialect import RunValidator, first_fault, short
from aelab.train import Trainer
from aelab.weights import Weights

SNAPSHOT_SAVE_LIMIT = 200_000  # snapshot values saved at most (a wide net's are left out: the file stays small)
LAST_GOOD = ("last_good_activations", "last_good_outputs")
MAX_FILE_BYTES = 200_000_000  # the CLI reads at most this much (a 100,000-epoch run is ~20 MB)
_HEADER = RunValidator(run_schema.HEADER_SCHEMA)


class RunFileError(ValueError):
    """A file that is not a saved aelab run, or one that does not fit: one line saying why."""


def resume_section(trainer: Trainer, as_lists: bool = True) -> dict:
    """What `load_trainer` needs to continue `trainer` exactly, as JSON-ready data; with `as_lists=False`
    each array's values stay a NumPy copy until `dumps` writes them (what a page keeps for its download:
    a wide run's values as Python numbers cost a second of Pause and memory the allocator keeps)."""
    recorder, encode = trainer.recorder, partial(encode_array, as_lists=as_lists)
    recorder.flush()
    snapshots_fit = recorder.snapshots.size <= SNAPSHOT_SAVE_LIMIT
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": trainer.config.to_dict(),
        "seeds": list(trainer.seeds),
        "epoch": trainer.epoch,
        "train_seconds": json_number(trainer.seconds),
        "weights": {name: encode(array) for name, array in trainer.backend.weights()._asdict().items()},
        "optimizer": {name: encode(array) for name, array in trainer.backend.optimizer_state().items()},
        "noise": trainer.noise.state() if trainer.noise is not None else None,
        "order": trainer.order.state() if trainer.order is not None else None,
        "recorder": {
            name: None if name in LAST_GOOD and recorder.alive.all() else encode(array)
            for name, array in _recorder_arrays(recorder).items()
        },
        "restarts": [list(epochs) for epochs in recorder.restarts],
        "snapshot_epochs": list(recorder.snapshot_epochs) if snapshots_fit else None,
        "snapshots": encode(recorder.snapshots) if snapshots_fit else None,
        "changes": [
            [epoch, {name: list(values) for name, values in changed.items()}] for epoch, changed in trainer.changes
        ],
        "patterns": patterns_entry(trainer.config, trainer.data, encode),
    }


def _recorder_arrays(recorder) -> dict[str, np.ndarray]:
    """The recorder's arrays by name, as the resume section saves them."""
    arrays = {f"history.{name}": recorder.history[name] for name in METRICS}
    arrays |= {f"latest.{name}": recorder.latest[name] for name in METRICS}
    arrays |= {f"initial.{name}": array for name, array in recorder.initial._asdict().items()}
    names = ("history_epochs", "length", "first_output_solved", "first_solved", "alive", "ever_solved")
    names += ("attempts", "attempt_start", "last_good_activations", "last_good_outputs")
    return arrays | {name: getattr(recorder, name) for name in names}


def encode_array(array: np.ndarray, as_lists: bool = True) -> dict:
    """An array as {"dtype", "shape", "values"}: values flat, non-finite floats as null (`as_lists=False`:
    a flat NumPy copy, which `dumps` writes the same way)."""
    array = np.asarray(array)
    values = array.ravel().copy() if not as_lists else json_values(array)
    return {"dtype": str(array.dtype), "shape": list(array.shape), "values": values}


def json_values(array: np.ndarray) -> list:
    """An array's values, flat, as JSON takes them: non-finite floats as null."""
    return json_list(np.asarray(array).ravel())


def dumps(document: dict) -> str:
    """A run document as JSON text, with any NumPy values (resume_section's `as_lists=False`) written out."""
    return json.dumps(document, default=_ndarray_values)


def _ndarray_values(value: object) -> list:
    if isinstance(value, np.ndarray):
        return json_values(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def read_run(path: str, limit: int = MAX_FILE_BYTES) -> Trainer:
    """load_trainer of the file at `path` (the CLI's --resume; the page never opens a path), read
    only up to `limit` bytes."""
    try:
        with open(path, "rb") as file:
            text = file.read(limit + 1)
    except OSError as error:
        raise RunFileError(f"cannot read it ({error.strerror})") from None
    if len(text) > limit:
        raise RunFileError(f"larger than {limit:,} bytes: not a run aelab reads")
    return load_trainer(text)


def load_trainer(text: str | bytes) -> Trainer:
    """A saved run's JSON text (a `train --json` object, or the page's download) as a Trainer ready to
    continue; RunFileError with one line when it is not a valid aelab run."""
    try:
        document = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise RunFileError(f"not an aelab run: not valid JSON ({str(error).splitlines()[0][:120]})") from None
    section = document.get("resume") if isinstance(document, dict) else None
    if not isinstance(section, dict) or section.get("format") != FORMAT:
        raise RunFileError("not an aelab run: no 'resume' section (save one with `train --json` or the page's JSON)")
    if section.get("version") != VERSION:
        raise RunFileError(f"version {section.get('version')!r} of the run format is not supported (this is {VERSION})")
    return _restore(section, _checked_config(section))


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _checked_config(section: dict) -> Config:
    """The run's Config, once the whole section is checked against the schema of that config's run."""
    _check(_HEADER, section)
    try:
        config = Config(**section["config"])  # the limits between settings (hidden <= width)
    except ConfigError as error:
        raise RunFileError(f"config {error}") from None
    snapshot_epochs = section["snapshot_epochs"]
    columns = section["recorder"]["history_epochs"]["shape"][0]
    snapshots = None if snapshot_epochs is None else len(snapshot_epochs)
    _check(run_schema.section_validator(config, section["epoch"], columns, snapshots), section)
    return config


def _check(validator, section: dict) -> None:
    fault = first_fault(validator, section)
    if fault is not None:
        raise RunFileError(fault)


def decode(data: dict) -> np.ndarray:
    """encode_array()'s output back to an array, once run_schema has checked it (its values fit its dtype and shape)."""
    kind = {"bool": bool, "int64": np.int64}.get(data["dtype"], np.float64)  # null -> NaN for floats
    return np.array(data["values"], dtype=kind).astype(data["dtype"], copy=False).reshape(data["shape"])


def _restore(section: dict, config: Config) -> Trainer:
    seeds, epoch = list(section["seeds"]), section["epoch"]
    try:
        trainer = Trainer(config, seeds, keep_snapshots=True, inputs=saved_inputs(section, config, decode))
    except ConfigError as error:  # torch missing, or no CUDA here
        raise RunFileError(f"config {error}") from None
    seconds = section["train_seconds"]
    trainer.epoch, trainer.seconds = epoch, math.nan if seconds is None else float(seconds)
    recorder = trainer.recorder
    saved = section["recorder"]
    for name in _recorder_arrays(recorder):
        if saved[name] is None:
            continue  # a last good pass left out: nothing diverged (checked below), the fresh run's NaN stand
        value = decode(saved[name])
        if name.startswith("history."):
            recorder.history[name.split(".")[1]] = value
        elif name.startswith("latest."):
            recorder.latest[name.split(".")[1]] = value
        elif name.startswith("initial."):
            recorder.initial = recorder.initial._replace(**{name.split(".")[1]: value})
        else:
            setattr(recorder, name, value)
    recorder.rows = slice(None) if recorder.alive.all() else recorder.alive.copy()
    recorder.any_alive = bool(recorder.alive.any())
    recorder.restarts = [list(epochs) for epochs in section["restarts"]]
    _check_recorder(recorder, epoch, any(saved[name] is None for name in LAST_GOOD))
    _restore_snapshots(recorder, section["snapshot_epochs"], section["snapshots"], epoch)
    weights = Weights(**{name: decode(value) for name, value in section["weights"].items()})
    if not all(np.isfinite(array[recorder.alive]).all() for array in weights):
        raise RunFileError("weights: a seed that has not diverged has a weight that is null (not a number)")
    trainer.backend = recorder.backend = make_backend(config, weights, trainer.data)
    try:  # the backend checks the exact names and shapes its optimiser keeps
        trainer.backend.load_optimizer_state({name: decode(value) for name, value in section["optimizer"].items()})
    except ConfigError as error:
        raise RunFileError(f"optimizer: {error}") from None
    trainer.noise = _draws(trainer, "noise", section["noise"])
    trainer.order = _draws(trainer, "order", section["order"])
    trainer.changes = _changes(section["changes"])
    return trainer


def _check_recorder(recorder, epoch: int, last_good_left_out: bool) -> None:
    """What the schema cannot say: the history, lengths, solved epochs and restarts agree."""
    steps, length, alive = recorder.history_epochs, recorder.length, recorder.alive
    if steps[0] != 0 or steps[-1] != recorder.config.epochs or (np.diff(steps) <= 0).any():
        raise RunFileError(f"recorder history_epochs: expected increasing epochs from 0 to {recorder.config.epochs}")
    if (alive & (length < epoch)).any():
        raise RunFileError(
            f"recorder length: {length.tolist()} is not allowed (a live seed has {epoch} or {epoch + 1})"
        )
    measured = steps[None, :] < length[:, None]  # (S, T) the columns each seed has measured
    for name in METRICS:
        if (np.isnan(recorder.history[name]) == measured).any():
            raise RunFileError(f"recorder history.{name}: expected numbers for the {length.tolist()} epochs measured "
                               "and null after them")  # fmt: skip
        if (np.isnan(recorder.latest[name]) == (length > 0)).any():
            raise RunFileError(f"recorder latest.{name}: expected a number once an epoch is measured, else null")
    firsts, solved = recorder.first_output_solved, recorder.first_solved
    if ((firsts >= length) | (solved >= length) | ((solved >= 0) & ((firsts < 0) | (firsts > solved)))).any():
        raise RunFileError(
            f"recorder first_output_solved {firsts.tolist()} and first_solved {solved.tolist()}: not allowed "
            f"(measured epochs below the length {length.tolist()}, and codes solved no earlier than outputs)"
        )
    for row, epochs in enumerate(recorder.restarts):
        if epochs != sorted(set(epochs)):
            raise RunFileError(f"restarts [{row}]: {epochs} is not allowed (increasing epochs)")
        starts = (len(epochs), epochs[-1] if epochs else 0)
        if starts != (recorder.attempts[row], recorder.attempt_start[row]):
            raise RunFileError(
                f"recorder attempts and attempt_start: {recorder.attempts[row]} and {recorder.attempt_start[row]} "
                f"are not allowed (the restarts give {starts[0]} and {starts[1]})"
            )
    if not alive.all() and last_good_left_out:
        raise RunFileError("recorder: a seed diverged but its last good forward pass is missing")


def _restore_snapshots(recorder, epochs: list[int] | None, snapshots: dict | None, epoch: int) -> None:
    """The saved snapshots up to `epoch`, then the fresh run's spacing for the rest (none saved: only those)."""
    ahead = [e for e in recorder.snapshot_epochs if e > epoch]
    if epochs is None:
        taken, values = [], np.empty((0, *recorder.snapshots.shape[1:]), dtype=np.float32)
    else:
        taken = [e for e in epochs if e <= epoch]
        values = decode(snapshots)[: len(taken)]
        ahead = [e for e in epochs if e > epoch] or ahead
    recorder.snapshot_epochs = taken + ahead
    if sorted(set(recorder.snapshot_epochs)) != recorder.snapshot_epochs:
        raise RunFileError(f"snapshot_epochs: {short(epochs)} is not allowed (increasing epochs)")
    recorder.snapshot_slot = {e: slot for slot, e in enumerate(recorder.snapshot_epochs)}
    recorder.snapshots = np.full((len(recorder.snapshot_epochs), *values.shape[1:]), np.nan, dtype=np.float32)
    recorder.snapshots[: len(taken)] = values


def _draws(trainer: Trainer, name: str, state: dict | None) -> HiddenNoise | PatternOrder | None:
    """The noise or order generators from their saved state (None: not made yet)."""
    if state is None:
        return None
    patterns = trainer.data.shape[0]
    draws: HiddenNoise | PatternOrder
    if name == "noise":
        draws = HiddenNoise.for_run(trainer.config, trainer.seeds, patterns)
    else:
        draws = PatternOrder(trainer.seeds, patterns)
    try:
        draws.load_state(state)
    except ValueError as error:  # `used` beyond this net's block of draws
        raise RunFileError(f"{name}: the generators' saved state does not fit ({error})") from None
    return draws


def _changes(saved: list) -> list[tuple[int, dict]]:
    """The settings changed while paused, in the order they were, each value of its setting's type."""
    epochs = [epoch for epoch, _ in saved]
    if epochs != sorted(epochs):
        raise RunFileError(f"changes: the epochs {short(epochs)} are not allowed (in the order they came)")
    kinds = {name: setting.kind for name, setting in SETTINGS.items()}
    return [
        (epoch, {name: (kinds[name](old), kinds[name](new)) for name, (old, new) in changed.items()})
        for epoch, changed in saved
    ]
