"""Stop when solved: the `stop` and `hold` settings end a run once its goal holds, on both backends and
the CLI, without changing what the run computes up to there."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from aelab import Config, train
from aelab.goals import SOLVED
from aelab.train import Trainer, train_seeds

# The default recipe in float64: it solves the 8-3-8 code within a few hundred epochs on most seeds
BASE = Config(dtype="float64", epochs=1000)
BACKENDS = ["numpy", "torch"]


def needs_backend(backend: str) -> None:
    if backend == "torch":
        pytest.importorskip("torch")


def goal_flags(result, stop: str) -> np.ndarray:
    """Per history entry, whether `stop`'s goal holds there (worked out here from the figures)."""
    outputs = result.history["bits_correct"] == 1.0
    return outputs & (result.history["distinct_codes"] == result.config.width) if stop == "codes" else outputs


def expected_end(full, stop: str, hold: int) -> int:
    """Where a run that stops at `stop` (then `hold` more) ends, read off the whole run's history: the first
    epoch at least max(hold, 1) after the goal was first reached at which the goal holds."""
    flags = goal_flags(full, stop)
    first = int(np.argmax(flags))
    assert flags[first], "the whole run must reach the goal for this test to mean anything"
    return next(epoch for epoch in range(first + max(hold, 1), len(flags)) if flags[epoch])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("stop", "hold"), [("codes", 0), ("codes", 25), ("outputs", 0)])
def test_a_run_stops_once_its_goal_holds_and_is_the_whole_runs_prefix(backend, stop, hold):
    needs_backend(backend)
    config = replace(BASE, backend=backend, seed=1)
    full = train(config)  # stop=never: every epoch
    assert full.epochs_done == config.epochs and full.status == "finished" and not full.at_goal
    stopped = train(replace(config, stop=stop, hold=hold))
    end = expected_end(full, stop, hold)
    assert stopped.epochs_done == end < config.epochs
    assert stopped.at_goal and stopped.status == f"stopped at its goal ({stop} solved)"
    for name, values in stopped.history.items():  # the check at the goal changes nothing the run computes
        np.testing.assert_allclose(values, full.history[name][: end + 1], rtol=1e-12, atol=0, err_msg=name)
    assert goal_flags(stopped, stop)[-1]  # it ends showing the goal met
    assert (stopped.output_solved_epoch, stopped.solved_epoch) == (full.output_solved_epoch, full.solved_epoch)


def test_the_pass_that_finds_the_goal_held_is_the_results_own(monkeypatch):
    """The check at the weights a run would end with makes one forward pass; once it holds, the result
    is measured from that pass, not from another at the same weights."""
    from aelab import goals

    checks = []
    holds = goals.holds
    monkeypatch.setattr(goals, "holds", lambda *args: checks.append(1) or holds(*args))
    trainer = Trainer(replace(BASE, stop="codes", hold=25, seed=1), [1])
    forward = trainer.backend.forward
    passes = []
    monkeypatch.setattr(trainer.backend, "forward", lambda: passes.append(1) or forward())
    result = trainer.run(BASE.epochs).run(0)
    assert result.at_goal and checks and len(passes) == len(checks)  # one pass per check, none more


def test_may_reach_is_false_with_no_seed_waiting_whatever_the_data():
    """The recorder's early measure is for seeds short of the goal: none waiting (all there, or diverged,
    as in a hold) tests nothing and asks for no measure, even where other data would be measured at once."""
    from aelab.goals import Goal, may_reach

    forward = Trainer(BASE, [0, 1]).backend.forward()
    for goal in (Goal("codes"), Goal("outputs"), Goal("loss", loss_below=1.0)):
        assert not may_reach(goal, forward, np.zeros(2, dtype=bool), False, "tanh"), goal
        assert not may_reach(goal, forward, np.zeros(2, dtype=bool), True, "tanh"), goal
    assert may_reach(Goal("codes"), forward, np.ones(2, dtype=bool), False, "tanh")  # other data: measured at once
    assert may_reach(Goal("loss", loss_below=1.0), forward, np.array([False, True]), True, "tanh")


def test_a_run_continued_past_its_goal_trains_on_and_a_paused_hold_ends_at_its_point():
    config = replace(BASE, stop="codes", hold=30, seed=1)
    end = train(config).epochs_done
    trainer = Trainer(config, [config.seed], keep_snapshots=True)
    trainer.run(end - 10)  # paused within the hold
    assert trainer.run(500).run(0).epochs_done == end  # Continue stops where the run would have
    more = trainer.run(50).run(0)  # and past its goal, it trains what it is asked
    assert more.epochs_done == end + 50 and not more.at_goal and more.status == "paused"


def test_changing_stop_while_paused_stops_where_a_fresh_run_would():
    config = replace(BASE, seed=1)
    fresh = train(replace(config, stop="codes"))
    trainer = Trainer(config, [config.seed], keep_snapshots=True)
    trainer.run(10)  # stop=never: its entries were measured in blocks
    trainer.change(replace(config, stop="codes"))
    result = trainer.run(config.epochs - 10).run(0)
    assert result.epochs_done == fresh.epochs_done and result.at_goal
    assert not result.changes  # when to stop changes no update: not marked on the curves


def test_a_sweep_keeps_its_own_goal_whatever_the_stop_setting():
    seeds = [0, 1, 2]
    plain = train_seeds(replace(BASE, epochs=400), seeds, stop_when=SOLVED)
    with_stop = train_seeds(replace(BASE, epochs=400, stop="outputs", hold=50), seeds, stop_when=SOLVED)
    np.testing.assert_array_equal(plain.lengths, with_stop.lengths)


def test_the_cli_runs_every_epoch_unless_asked(cli):
    status, out, _ = cli(["train", "--json", "--seed", "1", "--dtype", "float64"])
    assert status == 0
    assert len(json.loads(out)["history"]["epoch"]) == BASE.epochs + 1  # the JSON contract
    status, out, err = cli(["train", "--json", "--seed", "1", "--dtype", "float64", "--stop", "codes", "--hold", "5"])
    assert status == 0, err
    payload = json.loads(out)
    expected = train(replace(BASE, seed=1, stop="codes", hold=5))
    assert payload["config"]["stop"] == "codes" and payload["config"]["hold"] == 5
    assert payload["history"]["epoch"] == list(range(expected.epochs_done + 1))
    assert expected.epochs_done < BASE.epochs
    status, out, _ = cli(["train", "--seed", "1", "--stop", "codes"])
    assert status == 0 and "stopped at its goal (codes solved) after " in out
    status, _, err = cli(["train", "--stop", "sometime"])
    assert status == 2 and "stop: 'sometime' is not allowed (choose one of: never, outputs, codes)" in err


def test_a_code_lost_the_epoch_after_it_was_solved_trains_on_until_it_holds():
    """The default recipe's code often flickers as it forms: a run stopped the epoch after would show it
    unsolved ('7 of 8'). Found by searching, not picked: the first of seeds 0..9 where this happens."""
    for seed in range(10):
        full = train(replace(BASE, seed=seed))
        flags = goal_flags(full, "codes")
        if flags.any() and not flags[np.argmax(flags) + 1]:
            break
    else:
        pytest.fail("no seed of 0..9 loses its code the epoch after solving it: choose another recipe")
    stopped = train(replace(BASE, seed=seed, stop="codes"))
    assert stopped.epochs_done == expected_end(full, "codes", 0) > full.solved_epoch + 1
    assert stopped.history["distinct_codes"][-1] == BASE.width and stopped.status.startswith("stopped at its goal")


def test_a_run_saved_before_the_stop_setting_opens_as_one_that_trains_every_epoch():
    from aelab import formats
    from aelab.run_file import load_trainer, resume_section

    trainer = Trainer(replace(BASE, epochs=5), [0], keep_snapshots=True)
    saved = formats.run_json(trainer.run(5).run(0)) | {"resume": resume_section(trainer)}
    for name in ("stop", "hold"):
        del saved["resume"]["config"][name]
    loaded = load_trainer(json.dumps(saved))
    assert (loaded.config.stop, loaded.config.hold, loaded.epoch) == ("never", 0, 5)


def test_a_resumed_run_given_stop_ends_where_a_fresh_one_would(cli, tmp_path):
    saved = tmp_path / "run.json"
    status, out, _ = cli(["train", "--json", "--seed", "1", "--dtype", "float64", "--epochs", "20"])
    saved.write_text(out)
    status, out, err = cli(["train", "--resume", str(saved), "--stop", "codes", "--epochs", "980", "--json"])
    assert status == 0, err
    fresh = train(replace(BASE, seed=1, stop="codes"))
    assert json.loads(out)["history"]["epoch"] == list(range(fresh.epochs_done + 1))
