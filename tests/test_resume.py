"""Resumable training: a paused run continues exactly, settings change mid-run, and saved runs load back."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from aelab import Config, formats, run_file
from aelab.results import METRICS, BatchResult
from aelab.run_file import RunFileError, load_trainer, resume_section
from aelab.train import Trainer, train_seeds

BASE = Config(width=8, hidden=3, activation="tanh", loss="mse", lr=2.0, init_scale=0.5, dtype="float64", seed=3)
# Each optimiser with its state, and the draws that need their generators' state: noise, mini-batch order,
# restarts (torch then keeps Adam's state per seed).
RECIPES = {
    "sgd": replace(BASE, optimizer="sgd", lr=20.0),
    "momentum": replace(BASE, optimizer="momentum", momentum=0.9),
    "adam": replace(BASE, optimizer="adam", lr=0.05),
    "rprop": replace(BASE, optimizer="rprop", lr=0.01),
    "quickprop": replace(BASE, optimizer="quickprop", lr=1.0, weight_decay=1e-4),
    "adam_noise": replace(BASE, optimizer="adam", lr=0.05, noise=0.5, noise_schedule="linear", restart_after=25),
    "momentum_minibatch": replace(BASE, optimizer="momentum", lr=0.5, batch_size=3, noise=0.3),
    "rprop_restarts": replace(BASE, optimizer="rprop", lr=0.01, restart_after=20),
}
BACKENDS = ["numpy", "torch"]


def needs(backend: str) -> None:
    if backend == "torch":
        pytest.importorskip("torch")


def assert_same_run(a: BatchResult, b: BatchResult, rtol: float = 1e-12) -> None:
    np.testing.assert_array_equal(a.history_epochs, b.history_epochs)
    for name in METRICS:
        np.testing.assert_allclose(a.history[name], b.history[name], rtol=rtol, atol=0, err_msg=name)
    for x, y, name in zip(a.final, b.final, ("W1", "b1", "W2", "b2"), strict=True):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=1e-300, err_msg=name)
    assert a.solved_epoch == b.solved_epoch and a.output_solved_epoch == b.output_solved_epoch
    assert a.restarts == b.restarts and a.diverged == b.diverged
    np.testing.assert_array_equal(a.lengths, b.lengths)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("recipe", list(RECIPES))
def test_pausing_and_continuing_equals_one_run(backend, recipe):
    """e epochs, then f more (past the planned end, and from a pause before it) = e + f epochs at once."""
    needs(backend)
    config = replace(RECIPES[recipe], backend=backend, epochs=70)
    whole = train_seeds(config, [config.seed])
    assert whole.restarts == [[]] or config.restart_after  # the restart recipes really restart (checked below)
    extended = Trainer(replace(config, epochs=30), [config.seed])
    extended.run(30)
    paused = Trainer(config, [config.seed])
    paused.run(30)
    # A restart begins only where a whole attempt fits before the planned end (train.restart_begins), so a
    # run planned for 30 epochs skips restarts that the run planned for 70 makes: only the pause is the same.
    for trainer in (paused,) if config.restart_after else (extended, paused):
        assert trainer.epoch == 30
        trainer.run(15)
        assert_same_run(trainer.run(25), whole)
    if config.restart_after:
        assert whole.restarts[0], "the restart recipe must restart, or it tests nothing"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_stop_from_the_callback_continues_exactly(backend):
    """Stopping from on_progress (the page's Pause) keeps the trainer ready to go on where it stopped."""
    needs(backend)
    config = replace(RECIPES["adam_noise"], backend=backend, epochs=60)
    trainer = Trainer(config, [config.seed])
    paused = trainer.run(60, on_progress=lambda progress: progress.epoch >= 23, progress_interval=0)
    assert paused.stopped and trainer.epoch == 23 and int(paused.lengths[0]) == 24
    assert_same_run(trainer.run(60 - 23), train_seeds(config, [config.seed]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_changing_lr_mid_run_goes_on_from_the_same_weights(backend):
    needs(backend)
    config = replace(RECIPES["adam"], backend=backend, epochs=40)
    trainer = Trainer(config, [config.seed])
    before = trainer.run(20)
    trainer.change(replace(config, lr=0.01))
    after = trainer.run(20)
    np.testing.assert_array_equal(after.history["loss"][0, :21], before.history["loss"][0, :21])
    assert after.changes == [(20, {"lr": (0.05, 0.01)})]
    # The same as an optimiser that had lr 0.01 from epoch 20 on: continuing with the Adam state kept.
    reference = Trainer(config, [config.seed])
    reference.run(20)
    for group in getattr(reference.backend.optimizer, "param_groups", []):
        group["lr"] = 0.01
    if backend == "numpy":
        reference.backend.optimizer.lr = 0.01
    assert_same_run(after, reference.run(20))
    assert not np.allclose(after.final.W1, train_seeds(config, [config.seed]).final.W1)  # lr did change


def test_a_new_optimizer_starts_fresh_and_fixed_settings_are_refused():
    trainer = Trainer(replace(RECIPES["adam"], epochs=10), [3])
    trainer.run(10)
    trainer.change(replace(trainer.config, optimizer="sgd", lr=5.0))
    assert trainer.backend.optimizer_state() == {}
    assert trainer.run(5).config.epochs == 15
    with pytest.raises(ValueError, match="hidden"):
        trainer.change(replace(trainer.config, hidden=4))


def test_a_paused_run_reads_paused_before_and_after_a_save():
    """A run stopped by Pause once said 'stopped early' while the same run loaded from its file said 'paused'."""
    config = replace(RECIPES["adam_noise"], epochs=60)
    trainer = Trainer(config, [config.seed])
    paused = trainer.run(60, on_progress=lambda progress: progress.epoch >= 23, progress_interval=0).run(0)
    loaded = load_trainer(json.dumps(formats.run_json(paused) | {"resume": resume_section(trainer)})).run(0).run(0)
    assert paused.stopped and not loaded.stopped and loaded.epochs_done == paused.epochs_done == 23
    assert paused.status == loaded.status == "paused"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("recipe", ["adam_noise", "momentum_minibatch", "rprop_restarts"])
def test_save_and_load_continues_identically(backend, recipe):
    """Through the JSON text: the loaded run has the exact weights and history, and goes on as the original."""
    needs(backend)
    config = replace(RECIPES[recipe], backend=backend, epochs=50)
    trainer = Trainer(config, [config.seed], keep_snapshots=True)
    result = trainer.run(33)
    text = json.dumps(formats.run_json(result.run(0)) | {"resume": resume_section(trainer)})
    loaded = load_trainer(text)
    assert loaded.epoch == 33 and loaded.config == config
    for x, y in zip(loaded.backend.weights(), result.final, strict=True):
        np.testing.assert_array_equal(x, y)
    again = loaded.run(0)
    assert_same_run(again, result, rtol=0)
    assert again.snapshot_epochs == result.snapshot_epochs
    np.testing.assert_array_equal(again.snapshots, result.snapshots)
    assert_same_run(loaded.run(40), trainer.run(40), rtol=0)


@pytest.mark.parametrize("recipe", ["rprop_restarts", "momentum"])
def test_a_state_saved_per_seed_loads_into_the_one_flat_tensor(recipe):
    """Runs with restarts kept a torch.optim tensor per seed and parameter for every optimiser before
    only Adam did: a state saved that way (index 4 s + j) loads as the flat tensor's, bit for bit."""
    torch = pytest.importorskip("torch")
    from aelab.backends.torch_fused import Layout

    config = replace(RECIPES[recipe], backend="torch", device="cpu", restart_after=20, epochs=30)
    trainer = Trainer(config, [0, 1])
    trainer.run(10)
    flat = trainer.backend.optimizer_state()
    assert flat and all(key.startswith("0.") for key in flat)
    per_seed = {}
    for key, value in flat.items():
        name = key.partition(".")[2]
        blocks = [value] * 4 if name == "step" else Layout(2, 8, 3).views(torch.as_tensor(value))
        for j, block in enumerate(blocks):
            for seed in range(2):
                per_seed[f"{4 * seed + j}.{name}"] = np.asarray(block if name == "step" else block[seed])
    trainer.backend.optimizer.state.clear()
    trainer.backend.load_optimizer_state(per_seed)
    loaded = trainer.backend.optimizer_state()
    assert loaded.keys() == flat.keys()
    for key in flat:
        np.testing.assert_array_equal(loaded[key], flat[key], err_msg=key)


def saved_text(config: Config = RECIPES["adam"], epochs: int = 10) -> dict:
    trainer = Trainer(replace(config, epochs=epochs), [config.seed], keep_snapshots=True)
    result = trainer.run(epochs)
    return formats.run_json(result.run(0)) | {"resume": resume_section(trainer)}


def corrupt(document: dict, path: tuple, value) -> str:
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(document)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("resume",), None, "no 'resume' section"),
        (("resume", "version"), 99, "version 99"),
        (("resume", "config", "lr"), -1.0, "lr"),
        (("resume", "config", "width"), 9, "seeds|does not fit|shape"),
        (("resume", "weights", "W1", "shape"), [3, 8], "weights W1"),
        (("resume", "weights", "W1", "values"), [1.0], "weights W1: expected 24 values"),
        (("resume", "optimizer", "mean", "shape"), [1, 2], "optimizer mean"),
        (("resume", "recorder", "history.loss", "values"), ["x"] * 11, "history.loss"),
        (("resume", "noise"), {"generators": [{"state": 1}], "used": 0}, "noise"),
        (("resume", "epoch"), 11, "epoch"),
    ],
)
def test_a_corrupt_or_mismatched_file_is_refused_with_one_line(path, value, message):
    config = replace(RECIPES["adam_noise"], restart_after=0)
    text = corrupt(saved_text(config), path, value)
    with pytest.raises(RunFileError, match=message) as error:
        load_trainer(text)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", '{"resume": {"format": "x"}}', '{"a": NaN}', b"\xff\xfe"])
def test_text_that_is_not_a_run_is_refused(text):
    with pytest.raises(RunFileError, match=r"not an aelab run|not valid JSON"):
        load_trainer(text)


# The CLI: train --resume


def options(config: Config) -> list[str]:
    return [part for name, value in config.to_dict().items() for part in (f"--{name}", str(value))]


@pytest.mark.parametrize("backend", BACKENDS)
def test_cli_resume_equals_one_longer_run(backend, cli, tmp_path):
    """train --json for e epochs, then --resume for f more: the same JSON history and weights as e + f."""
    needs(backend)
    config = replace(RECIPES["adam_noise"], backend=backend)
    status, whole, _ = cli(["train", "--json", *options(replace(config, epochs=45))])
    assert status == 0
    status, first, _ = cli(["train", "--json", *options(replace(config, epochs=20))])
    saved = tmp_path / "run.json"
    saved.write_text(first)
    status, resumed, err = cli(["train", "--resume", str(saved), "--epochs", "25", "--json"])
    assert status == 0, err
    whole, resumed = json.loads(whole), json.loads(resumed)
    assert resumed["config"] == whole["config"]
    assert resumed["history"] == whole["history"]  # every entry, 0..45, to the last bit
    assert resumed["weights"] == whole["weights"] and resumed["final"] == whole["final"]
    assert resumed["resume"]["epoch"] == 45


def test_cli_resume_with_changed_settings_and_its_log(cli, tmp_path):
    status, first, _ = cli(["train", "--json", *options(replace(RECIPES["adam"], epochs=30))])
    saved = tmp_path / "run.json"
    saved.write_text(first)
    status, out, err = cli(["train", "--resume", str(saved), "--lr", "0.01", "--optimizer", "rprop"])
    assert status == 0, err
    assert out.startswith("resuming numpy 8-3-8 tanh mse rprop lr=0.01 seed=3 at epoch 30 for 30 more epochs")
    assert "epoch     33/60" in out and "epoch     57/60" in out  # tenths of the 30 epochs trained
    status, out, _ = cli(["train", "--resume", str(saved), "--epochs", "5", "--json"])
    payload = json.loads(out)
    assert payload["history"]["epoch"] == list(range(36))
    assert payload["resume"]["changes"] == []


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--hidden", "4"], "hidden: 4 is not allowed (a continued run keeps it"),
        (["--lr", "-1"], "lr: "),
        (["--preset", "8-3-8"], "preset"),
        (["--epochs", "0"], "epochs"),
    ],
)
def test_cli_resume_refuses_fixed_or_bad_settings(argv, named, cli, tmp_path):
    saved = tmp_path / "run.json"
    saved.write_text(json.dumps(saved_text()))
    status, out, err = cli(["train", "--resume", str(saved), *argv])
    assert (status, out) == (2, "") and named in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("content", ["{}", "not json", '{"config": {}, "history": {}}', None])
def test_cli_resume_of_a_file_that_is_not_a_saved_run_exits_2(content, cli, tmp_path):
    path = tmp_path / "run.json"
    if content is not None:
        path.write_text(content)
    status, out, err = cli(["train", "--resume", str(path)])
    assert (status, out) == (2, "")
    assert err.startswith(f"error: {path}: ") and len(err.strip().splitlines()) == 1


def test_snapshots_cover_the_whole_run_however_it_was_continued_at_bounded_memory():
    from aelab.kept_epochs import SNAPSHOT_COUNT

    trainer = Trainer(replace(BASE, epochs=50), [0], keep_snapshots=True)
    trainer.run(50)
    for _ in range(40):  # many Continues and Steps
        result = trainer.run(37)
    epochs = result.snapshot_epochs
    assert epochs[0] == 0 and epochs[-1] == trainer.epoch == 50 + 40 * 37
    assert len(epochs) <= SNAPSHOT_COUNT + 2 and epochs == sorted(set(epochs))
    assert max(np.diff(epochs)) < trainer.epoch / 4  # spread over the run, not bunched at its start
    assert not np.isnan(result.snapshots).any()  # every kept epoch was really recorded


def test_a_diverged_run_saves_its_last_good_pass_and_a_healthy_one_leaves_it_out():
    diverging = Config(width=8, hidden=3, activation="linear", loss="bce", lr=30.0, init_scale=1.0, epochs=200)
    trainer = Trainer(replace(diverging, dtype="float64"), [0], keep_snapshots=True)
    result = trainer.run(200)
    assert result.diverged == [True]
    section = resume_section(trainer)
    assert section["recorder"]["last_good_outputs"] is not None
    loaded = load_trainer(json.dumps({"resume": section}))
    np.testing.assert_array_equal(loaded.run(0).outputs, result.outputs)  # the last good pass, not NaN
    section["recorder"]["last_good_outputs"] = None
    with pytest.raises(RunFileError, match="last good forward pass is missing"):
        load_trainer(json.dumps({"resume": section}))
    healthy = Trainer(replace(BASE, epochs=5), [0])
    healthy.run(5)
    assert resume_section(healthy)["recorder"]["last_good_outputs"] is None


FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    "name", ["saved_run_ddbf1ed_numpy.json", "saved_run_ddbf1ed_torch.json", "saved_run_57f1d9e_numpy.json"]
)
def test_a_run_saved_before_later_settings_existed_loads_and_continues(name):
    """Files written by `train --json` at commit ddbf1ed (before Rprop's bounds, the stop rule ...) and at
    57f1d9e (before the pattern sets and the output setting): every setting they lack takes its default,
    and training goes on from their weights."""
    text = (FIXTURES / name).read_text()
    document = json.loads(text)
    saved = document["resume"]
    needs(saved["config"]["backend"])
    assert set(saved["config"]) < set(Config().to_dict())  # the file really lacks settings added since
    trainer = load_trainer(text)
    assert trainer.epoch == saved["epoch"]
    assert trainer.config.to_dict() == Config().to_dict() | saved["config"]
    np.testing.assert_array_equal(
        trainer.backend.weights().W1[0],
        np.asarray(saved["weights"]["W1"]["values"]).reshape(saved["weights"]["W1"]["shape"])[0],
    )
    before = trainer.result().run(0).history["loss"][-1]
    assert np.isclose(before, document["history"]["loss"][-1])
    result = trainer.run(5).run(0)
    assert trainer.epoch == saved["epoch"] + 5 and len(result.history["loss"]) == trainer.epoch + 1
    assert np.isfinite(result.history["loss"]).all()


def test_a_section_kept_as_arrays_writes_the_same_json_as_one_kept_as_lists():
    """The page keeps resume_section(as_lists=False) and writes it on the download's click: the same text
    as the CLI's lists, non-finite values as null, and it loads back."""
    trainer = Trainer(replace(BASE, optimizer="adam", lr=0.05, epochs=20), [BASE.seed], keep_snapshots=True)
    trainer.run(20)
    as_lists, as_arrays = resume_section(trainer), resume_section(trainer, as_lists=False)
    assert isinstance(as_arrays["weights"]["W1"]["values"], np.ndarray)
    text = run_file.dumps({"resume": as_arrays})
    assert text == json.dumps({"resume": as_lists})
    assert load_trainer(text).epoch == trainer.epoch
    assert run_file.dumps({"values": np.array([np.nan, 1.5, -np.inf])}) == '{"values": [null, 1.5, null]}'
