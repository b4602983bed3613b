"""A saved run that can be trained on: the `resume` section of a run's JSON, and reading it back.

`train --json` (and the page's JSON download) add to aelab.formats.run_json a
`resume` object holding what exact continuation needs: the current weights,
the optimiser's state, the noise and pattern-order generators' states, and
the recorder's state (history, solved epochs, restarts, snapshots). Arrays are
{"dtype", "shape", "values"} with the values flat and NaN written as null.

`load_trainer(text)` checks everything strictly -- the format and version,
the config (through Config's own validation), every array's dtype and shape
against a fresh run of that config, finite numbers -- and raises RunFileError
with one line naming what is wrong. It opens no file: it is given the text.
"""

from __future__ import annotations

import json
import math

import numpy as np

from aelab.backends import make_backend
from aelab.config import Config, ConfigError
from aelab.recorder import HISTORY_BUDGET
from aelab.results import METRICS
from aelab.train import Trainer
from aelab.weights import Weights

FORMAT = "aelab-run"
VERSION = 1
SNAPSHOT_SAVE_LIMIT = 200_000  # snapshot values saved at most (a wide net's are left out: the file stays small)
DTYPES = ("float32", "float64", "int64", "bool")
LAST_GOOD = ("last_good_activations", "last_good_outputs")
MAX_FILE_BYTES = 200_000_000  # the CLI reads at most this much (a 100,000-epoch run is ~20 MB)


class RunFileError(ValueError):
    """A file that is not a saved aelab run, or one that does not fit: one line saying why."""


def resume_section(trainer: Trainer) -> dict:
    """What `load_trainer` needs to continue `trainer` exactly, as JSON-ready data."""
    recorder = trainer.recorder
    recorder.flush()
    snapshots_fit = recorder.snapshots.size <= SNAPSHOT_SAVE_LIMIT
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": trainer.config.to_dict(),
        "seeds": list(trainer.seeds),
        "epoch": trainer.epoch,
        "train_seconds": trainer.seconds,
        "weights": {name: encode(array) for name, array in trainer.backend.weights()._asdict().items()},
        "optimizer": {name: encode(array) for name, array in trainer.backend.optimizer_state().items()},
        "noise": trainer.noise.state() if trainer.noise is not None else None,
        "order": trainer.order.state() if trainer.order is not None else None,
        "recorder": {
            name: _encode_recorded(name, array, recorder) for name, array in _recorder_arrays(recorder).items()
        },
        "restarts": [list(epochs) for epochs in recorder.restarts],
        "snapshot_epochs": list(recorder.snapshot_epochs) if snapshots_fit else None,
        "snapshots": encode(recorder.snapshots) if snapshots_fit else None,
        "changes": [
            [epoch, {name: list(values) for name, values in changed.items()}] for epoch, changed in trainer.changes
        ],
    }


def _recorder_arrays(recorder) -> dict[str, np.ndarray]:
    """The recorder's arrays by name (not copies: load_trainer compares against and writes into them)."""
    arrays = {f"history.{name}": recorder.history[name] for name in METRICS}
    arrays |= {f"latest.{name}": recorder.latest[name] for name in METRICS}
    arrays |= {f"initial.{name}": array for name, array in recorder.initial._asdict().items()}
    names = ("history_epochs", "length", "first_output_solved", "first_solved", "alive", "ever_solved")
    names += ("attempts", "attempt_start", "last_good_activations", "last_good_outputs")
    return arrays | {name: getattr(recorder, name) for name in names}


def _encode_recorded(name: str, array: np.ndarray, recorder) -> dict | None:
    """A recorder array; the last good forward pass of diverged seeds only when one diverged (else it
    is all NaN, and as big as the outputs: a 1024-wide net's would be a million nulls)."""
    return None if name in LAST_GOOD and recorder.alive.all() else encode(array)


def encode(array: np.ndarray) -> dict:
    """An array as {"dtype", "shape", "values"}: values flat, non-finite floats as null."""
    array = np.asarray(array)
    values = array.ravel().astype(object)
    if array.dtype.kind == "f":
        values[~np.isfinite(array.ravel())] = None
    return {"dtype": str(array.dtype), "shape": list(array.shape), "values": values.tolist()}


def decode(data: object, name: str) -> np.ndarray:
    """encode()'s output back to an array; RunFileError naming `name` when it is not one."""
    if not isinstance(data, dict) or set(data) != {"dtype", "shape", "values"}:
        raise RunFileError(f"{name}: expected an array as {{dtype, shape, values}}")
    dtype, shape, values = data["dtype"], data["shape"], data["values"]
    if dtype not in DTYPES:
        raise RunFileError(f"{name}: dtype {dtype!r} is not one of {', '.join(DTYPES)}")
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise RunFileError(f"{name}: shape {shape!r} is not a list of sizes")
    if not isinstance(values, list) or len(values) != math.prod(shape):
        raise RunFileError(f"{name}: expected {math.prod(shape)} values for shape {tuple(shape)}")
    if dtype == "bool":
        if not all(isinstance(v, bool) for v in values):
            raise RunFileError(f"{name}: expected true or false values")
        return np.array(values, dtype=bool).reshape(shape)
    if dtype == "int64":
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise RunFileError(f"{name}: expected whole numbers")
        return np.array(values, dtype=np.int64).reshape(shape)
    if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
        raise RunFileError(f"{name}: expected numbers (null for not-a-number)")
    floats = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    if not np.isfinite(floats[~np.isnan(floats)]).all():
        raise RunFileError(f"{name}: a value is out of range")
    return floats.astype(dtype).reshape(shape)


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
    try:
        return _restore(section)
    except ConfigError as error:
        raise RunFileError(f"does not fit: {error}") from None
    except (KeyError, TypeError, AttributeError) as error:
        raise RunFileError(f"not an aelab run: missing or malformed {error}") from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _restore(section: dict) -> Trainer:
    config_fields = section["config"]
    if not isinstance(config_fields, dict) or set(config_fields) != set(Config().to_dict()):
        raise RunFileError("config: expected every setting of a Config, and no other")
    config = Config(**config_fields)  # Config checks every value (ConfigError)
    seeds, epoch = section["seeds"], section["epoch"]
    if seeds != [config.seed]:
        raise RunFileError(f"seeds: {seeds!r} does not match the config's seed {config.seed}")
    if not isinstance(epoch, int) or isinstance(epoch, bool) or not 0 <= epoch <= config.epochs:
        raise RunFileError(f"epoch: {epoch!r} is not a whole number from 0 to the run's {config.epochs} epochs")
    trainer = Trainer(config, seeds, keep_snapshots=True)
    trainer.epoch, trainer.seconds = epoch, float(section["train_seconds"])
    recorder = trainer.recorder
    fresh = _recorder_arrays(recorder)
    saved = _dict(section["recorder"], "recorder")
    if set(saved) != set(fresh):
        raise RunFileError(f"recorder: expected the arrays {', '.join(sorted(fresh))}")
    steps = decode(saved["history_epochs"], "recorder history_epochs")
    if steps.ndim != 1 or not 2 <= steps.size <= HISTORY_BUDGET or steps[0] != 0 or steps[-1] != config.epochs:
        raise RunFileError("recorder history_epochs: expected epochs from 0 to the run's epochs")
    if (np.diff(steps) <= 0).any():
        raise RunFileError("recorder history_epochs: the epochs must increase")
    for name, array in fresh.items():
        if saved[name] is None and name in LAST_GOOD:
            continue  # nothing diverged: the fresh run's NaN stand (checked against `alive` below)
        value = decode(saved[name], f"recorder {name}")
        shape = (
            (len(seeds), steps.size)
            if name.startswith("history.")
            else steps.shape
            if name == "history_epochs"
            else array.shape
        )
        if value.shape != shape or value.dtype != array.dtype:
            raise RunFileError(f"recorder {name}: {value.dtype} {value.shape} does not fit {array.dtype} {shape}")
        if name.startswith("history."):
            recorder.history[name.split(".")[1]] = value
        elif name.startswith("latest."):
            recorder.latest[name.split(".")[1]] = value
        elif name.startswith("initial."):
            recorder.initial = recorder.initial._replace(**{name.split(".")[1]: value})
        else:
            setattr(recorder, name, value)
    if not recorder.alive.all() and any(saved[name] is None for name in LAST_GOOD):
        raise RunFileError("recorder: a seed diverged but its last good forward pass is missing")
    recorder.rows = slice(None) if recorder.alive.all() else recorder.alive.copy()
    recorder.any_alive = bool(recorder.alive.any())
    recorder.restarts = _restarts(section["restarts"], len(seeds), epoch)
    _restore_snapshots(recorder, section["snapshot_epochs"], section["snapshots"], epoch)
    weights = _weights(_dict(section["weights"], "weights"), recorder.initial, recorder.alive)
    trainer.backend = recorder.backend = make_backend(config, weights, trainer.data)
    optimizer = _dict(section["optimizer"], "optimizer")
    trainer.backend.load_optimizer_state(
        {name: decode(value, f"optimizer {name}") for name, value in optimizer.items()}
    )
    trainer.noise = _draws(trainer, "noise", section["noise"])
    trainer.order = _draws(trainer, "order", section["order"])
    trainer.changes = _changes(section["changes"])
    return trainer


def _dict(value: object, name: str) -> dict:
    if not isinstance(value, dict):
        raise RunFileError(f"{name}: expected an object")
    return value


def _weights(saved: dict, initial: Weights, alive: np.ndarray) -> Weights:
    if set(saved) != set(Weights._fields):
        raise RunFileError(f"weights: expected {', '.join(Weights._fields)}")
    arrays = {}
    for name, like in initial._asdict().items():
        value = decode(saved[name], f"weights {name}")
        if value.shape != like.shape or value.dtype != like.dtype:
            raise RunFileError(f"weights {name}: {value.dtype} {value.shape} does not fit {like.dtype} {like.shape}")
        if not np.isfinite(value[alive]).all():
            raise RunFileError(f"weights {name}: a seed that has not diverged has a weight that is not a number")
        arrays[name] = value
    return Weights(**arrays)


def _restarts(saved: object, seeds: int, epoch: int) -> list[list[int]]:
    ok = isinstance(saved, list) and len(saved) == seeds
    ok = ok and all(isinstance(row, list) and all(isinstance(e, int) and 0 < e <= epoch for e in row) for row in saved)
    if not ok:
        raise RunFileError(f"restarts: expected {seeds} lists of epochs from 1 to {epoch}")
    return [list(row) for row in saved]


def _restore_snapshots(recorder, epochs: object, snapshots: object, epoch: int) -> None:
    """The saved snapshots up to `epoch`, then the fresh run's spacing for the rest (none saved: only those)."""
    ahead = [e for e in recorder.snapshot_epochs if e > epoch]
    if epochs is None:
        taken, values = [], np.empty((0, *recorder.snapshots.shape[1:]), dtype=np.float32)
    else:
        if not isinstance(epochs, list) or not all(
            isinstance(e, int) and 0 <= e <= recorder.config.epochs for e in epochs
        ):
            raise RunFileError("snapshot_epochs: expected a list of epochs of the run")
        values = decode(snapshots, "snapshots")
        if values.shape != (len(epochs), *recorder.snapshots.shape[1:]) or values.dtype != np.float32:
            raise RunFileError(f"snapshots: {values.dtype} {values.shape} does not fit the snapshot epochs and the net")
        taken = [e for e in epochs if e <= epoch]
        values = values[: len(taken)]
        ahead = [e for e in epochs if e > epoch] or ahead
    recorder.snapshot_epochs = taken + ahead
    if sorted(set(recorder.snapshot_epochs)) != recorder.snapshot_epochs:
        raise RunFileError("snapshot_epochs: the epochs must increase")
    recorder.snapshot_slot = {e: slot for slot, e in enumerate(recorder.snapshot_epochs)}
    recorder.snapshots = np.full((len(recorder.snapshot_epochs), *values.shape[1:]), np.nan, dtype=np.float32)
    recorder.snapshots[: len(taken)] = values


def _draws(trainer: Trainer, name: str, state: object):
    """The noise or order generators from their saved state (None: not made yet)."""
    if state is None:
        return None
    from aelab.noise import HiddenNoise, PatternOrder

    config, patterns = trainer.config, trainer.data.shape[0]
    if name == "noise":
        length = config.attempt_length
        draws = HiddenNoise(
            trainer.seeds, patterns, config.hidden, config.noise, config.noise_schedule, length, config.dtype
        )
    else:
        draws = PatternOrder(trainer.seeds, patterns)
    try:
        draws.load_state(_dict(state, name))
    except (ValueError, TypeError, KeyError) as error:
        raise RunFileError(f"{name}: the generators' saved state is not valid ({error})") from None
    return draws


def _changes(saved: object) -> list[tuple[int, dict]]:
    ok = isinstance(saved, list) and all(
        isinstance(item, list) and len(item) == 2 and isinstance(item[0], int) and isinstance(item[1], dict)
        for item in saved
    )
    if not ok:
        raise RunFileError("changes: expected a list of [epoch, {setting: [old, new]}]")
    return [(epoch, {name: tuple(values) for name, values in changed.items()}) for epoch, changed in saved]
