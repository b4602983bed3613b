"""Grid sweeps: every cell equal to a sweep of its settings, seed for seed, on both backends; the
`grid` command's JSON and its refusals; and solved seeds leaving their batch (compaction)."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import pytest

from aelab import Config, formats
from aelab.allowance import LIMIT, Allowance
from aelab.config import ConfigError
from aelab.grid import default_values, grid, grid_cells, shared_description, vary
from aelab.per_seed import shared_config
from aelab.sweep import SweepRun, sweep

# 8-3-8 with noise and restarts: most seeds solve within 600 epochs, at different epochs, some restart
BASE = Config(
    width=8, hidden=3, activation="tanh", loss="softmax_ce", optimizer="momentum", lr=1.0, momentum=0.9,
    init_scale=0.2, weight_decay=0.003, noise=0.2, restart_after=150, epochs=600, dtype="float64",
)  # fmt: skip
SEEDS = list(range(6))


def per_seed(result) -> list[tuple]:
    """Everything a sweep reports per seed, cause of failure included."""
    causes = [failure.cause if failure else None for failure in result.failures]
    return list(zip(result.seeds, result.output_solved_epoch, result.solved_epoch, result.diverged,
                    result.final_distinct_codes, causes, strict=True))  # fmt: skip


def assert_cells_equal_sweeps(base: Config, texts: list[str], seeds: list[int]) -> None:
    varied = [vary(text, base) for text in texts]
    result = grid(base, varied, seeds)
    assert len(result.sweeps) == len(grid_cells(base, varied)) > 1
    for cell, swept in zip(result.cells, result.sweeps, strict=True):
        alone = sweep(cell.config, seeds)
        assert swept.config == cell.config
        assert per_seed(swept) == per_seed(alone), cell.settings


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_numpy_grid_cells_equal_their_sweeps_seed_for_seed(dtype):
    """The cells share one batch (per-seed lr, weight decay, noise), yet each is its own sweep exactly."""
    base = replace(BASE, dtype=dtype)
    texts = ["lr=0.5,1.5", "weight_decay=0,0.003", "noise=0,0.2"]
    cells = grid_cells(base, [vary(text, base) for text in texts])
    assert len(SweepRun([cell.config for cell in cells], SEEDS).batches) == 1  # truly shared
    assert_cells_equal_sweeps(base, texts, SEEDS)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rprop", "quickprop"])
def test_every_optimizer_takes_a_learning_rate_per_seed(optimizer):
    base = replace(BASE, optimizer=optimizer, epochs=200, dtype="float32", lr=0.05 if optimizer == "adam" else 0.5)
    assert_cells_equal_sweeps(base, ["lr=" + ",".join(f"{base.lr * f:g}" for f in (0.5, 1, 2))], [0, 1, 2])


def test_momentum_per_seed_and_cells_of_other_shapes():
    """Momentum varies within a batch; a varied width makes batches of their own, in one grid."""
    assert_cells_equal_sweeps(BASE, ["momentum=0.5,0.9", "width=6,8"], [0, 1, 2])


def test_torch_grid_cells_equal_their_sweeps_seed_for_seed():
    pytest.importorskip("torch")
    base = replace(BASE, backend="torch", epochs=300)
    assert_cells_equal_sweeps(base, ["lr=0.5,1.5", "weight_decay=0,0.003"], [0, 1, 2])


def test_a_shared_config_holds_only_what_varies():
    configs = [replace(BASE, lr=1.0), replace(BASE, lr=2.0, noise=0.0)]
    shared, settings = shared_config(configs)
    assert set(settings.values) == {"lr", "noise"} and shared.noise == BASE.noise and shared.lr == 1.0
    assert settings.values["lr"].tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "config",
    [
        BASE,
        replace(BASE, batch_size=4),  # mini-batches: per-seed pattern orders leave with their seeds
        replace(BASE, optimizer="adam", lr=0.05, restart_after=0),
        replace(BASE, backend="torch", epochs=300),
        replace(BASE, backend="torch", optimizer="adam", lr=0.05, epochs=300),  # a tensor per seed: restarts
    ],
    ids=["numpy-momentum", "numpy-minibatch", "numpy-adam", "torch-momentum", "torch-adam-restarts"],
)
def test_compaction_leaves_every_seed_as_its_own_sweep(config):
    """Seeds leave at different epochs, yet each seed's figures, final codes included, are those of a
    sweep of that seed alone; without compaction the solved epochs are the same."""
    if config.backend == "torch":
        pytest.importorskip("torch")
    seeds = list(range(10))  # the first to leave stay in the arrays, ignored, until a quarter have left
    compacted = sweep(config, seeds)
    assert compacted.solved_epoch == sweep(config, seeds, compact=False).solved_epoch
    assert len({epoch for epoch in compacted.solved_epoch if epoch is not None}) > 1  # they left at different epochs
    for index, seed in enumerate(seeds):
        assert per_seed(compacted)[index] == per_seed(sweep(config, [seed]))[0], seed


def test_a_diverging_seed_leaves_and_stays_diverged():
    config = Config(width=8, hidden=3, activation="linear", loss="bce", lr=16.0, init_scale=1.0, epochs=300,
                    dtype="float64")  # fmt: skip
    seeds = [2, 3, 4, 5]  # all but seed 4 diverge; seed 4 trains on, unsolved, to the end
    together = sweep(config, seeds)
    assert together.diverged == [True, True, False, True]
    assert per_seed(together) == [per_seed(sweep(config, [seed]))[0] for seed in seeds]


def test_a_stopped_grid_keeps_what_it_found_and_counts_the_rest_not_started():
    varied = [vary("lr=0.5,1.5", BASE)]
    full = grid(BASE, varied, SEEDS)
    solved = sorted(epoch for cell in full.sweeps for epoch in cell.solved_epoch if epoch is not None)
    stop = solved[len(solved) // 2]  # half the seeds have solved by then
    result = grid(BASE, varied, SEEDS, on_progress=lambda progress: progress.epoch >= stop, progress_interval=0)
    assert result.stopped and not full.stopped
    for stopped, complete in zip(result.sweeps, full.sweeps, strict=True):
        assert stopped.seeds == SEEDS and stopped.diagnosed
        for early, late in zip(stopped.solved_epoch, complete.solved_epoch, strict=True):
            assert early == (late if late is not None and late <= stop else None)  # entry `stop`: the final measure


@pytest.mark.parametrize(
    "text, named",
    [
        ("lr", "vary"),
        ("lr=", "vary"),
        ("speed=1,2", "vary"),
        ("seed=1,2", "vary"),
        ("lr=1,,2", "vary"),
        ("lr=1,1.0", "vary"),
        ("lr=fast", "lr"),
        ("lr=1000", "lr"),
        ("optimizer=sgd,nesterov", "optimizer"),
    ],
)
def test_a_bad_vary_names_the_field_and_value(text, named):
    with pytest.raises(ConfigError) as error:
        vary(text, BASE)
    message = str(error.value)
    shown = text if named == "vary" else text.partition("=")[2].split(",")[-1]  # the whole option, or the bad value
    assert message.startswith(named) and shown in message


def test_too_many_cells_or_a_setting_twice_is_refused():
    with pytest.raises(ConfigError, match="cells"):
        eleven, ten = (
            "lr=" + ",".join(str(v) for v in range(1, 12)),
            "noise=" + ",".join(f"{v / 10:g}" for v in range(10)),
        )
        grid_cells(BASE, [vary(eleven, BASE), vary(ten, BASE)])
    with pytest.raises(ConfigError, match="once"):
        grid_cells(BASE, [vary("lr=1,2", BASE), vary("lr=3", BASE)])


def test_grid_json_and_csv_hold_every_cell(cli):
    status, out, err = cli(["grid", "--width", "8", "--hidden", "3", "--epochs", "300", "--seeds", "3",
                            "--vary", "lr=0.5,1", "--vary", "weight_decay=0,0.001", "--json"])  # fmt: skip
    assert status == 0, err
    payload = json.loads(out)
    assert payload["stopped"] is False and payload["seeds"] == [0, 1, 2]
    settings = [cell["settings"] for cell in payload["cells"]]
    assert settings == [{"lr": a, "weight_decay": b} for a in (0.5, 1.0) for b in (0.0, 0.001)]
    for cell in payload["cells"]:
        assert {"solved_rate", "output_solved_rate", "median_solved_epoch", "p90_solved_epoch", "failures"} <= set(cell)
        alone = formats.sweep_json(sweep(replace(Config(width=8, hidden=3, epochs=300), **cell["settings"]), [0, 1, 2]))
        assert {name: cell[name] for name in ("solved_rate", "median_solved_epoch", "failures")} == {
            name: alone[name] for name in ("solved_rate", "median_solved_epoch", "failures")
        }
    small = grid(Config(width=4, hidden=2, epochs=50), [vary("lr=0.5,1")], [0, 1])
    rows = formats.grid_csv(small).splitlines()
    assert rows[0] == "lr,output_solved_rate,solved_rate,median_solved_epoch,p90_solved_epoch,seeds"
    assert [row.split(",")[0] for row in rows[1:]] == ["0.5", "1.0"]


def test_the_cli_grid_log_names_its_size_and_seeds_and_every_batch_logs(cli):
    """The header once left out a varied size ('of numpy tanh mse sgd'), and only a grid's first batch
    logged (the tenth marks did not start again with the next batch's epochs)."""
    status, out, err = cli(["grid", "--width", "8", "--hidden", "3", "--epochs", "200", "--seeds", "4",
                            "--vary", "hidden=2,3"])  # fmt: skip
    assert status == 0, err
    header, *lines = out.splitlines()
    assert header.startswith("grid of 2 cells") and "4 seeds each (0..3)" in header and " 8-k-8 " in header
    epochs = [int(line.split()[1].split("/")[0]) for line in lines if line.startswith("epoch ")]
    restarts = [later for earlier, later in itertools.pairwise(epochs) if later < earlier]
    assert epochs[0] == 20 and restarts == [20]  # the second cell's batch (hidden 3) logs from its start


@pytest.mark.parametrize(
    "argv, named",
    [([], "vary"), (["--vary", "lr=x"], "lr"), (["--vary", "lr=1", "--seeds", "0"], "seeds")],
)
def test_cli_grid_bad_input_exits_2(argv, named, cli):
    status, out, err = cli(["grid", *argv])
    assert status == 2 and out == "" and len(err.splitlines()) == 1 and named in err


def test_a_grid_obeys_the_clicks_cpu_allowance_as_it_runs():
    """On a served page a grid gets the click's allowance, as a sweep does: spent, the grid stops and keeps
    what it found (a 64-6-64 grid that would take minutes stops after 0.3 s of CPU time)."""
    allowance = Allowance(0.3)
    base = Config(width=64, hidden=6, epochs=100_000)
    result = grid(base, [vary("lr=0.5,1,2", base)], list(range(20)), allowance=allowance)
    assert allowance.reason == LIMIT and result.stopped
    assert all(swept.stopped and swept.diagnosed and swept.seeds == list(range(20)) for swept in result.sweeps)


def test_the_cell_count_is_refused_before_any_cell_is_built():
    """5 settings of 20 values: 3.2 million combinations, refused by their count before one is made."""
    import tracemalloc

    twenty = range(1, 21)
    texts = [
        "lr=" + ",".join(f"{v}" for v in twenty),
        "momentum=" + ",".join(f"{v / 25:g}" for v in twenty),
        "weight_decay=" + ",".join(f"{v / 1000:g}" for v in twenty),
        "epochs=" + ",".join(f"{v * 10}" for v in twenty),
        "restart_after=" + ",".join(f"{v * 10}" for v in twenty),
    ]
    varied = [vary(text, BASE) for text in texts]
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError, match="3200000 cells"):
            grid_cells(BASE, varied)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # bytes: the combinations themselves would take hundreds of megabytes


@pytest.mark.parametrize(
    "optimizer, text, reader",
    [
        ("sgd", "momentum=0,0.5,0.9", "momentum"),
        ("adam", "max_growth=1.5,2", "quickprop"),
        ("momentum", "rprop_max_step=10,50", "rprop"),
    ],
)
def test_a_setting_the_optimizer_ignores_is_refused_naming_the_one_that_reads_it(optimizer, text, reader):
    """Varying it would give identical cells: refused, naming the setting, its values and who reads it."""
    base = replace(BASE, optimizer=optimizer)
    name, _, values = text.partition("=")
    with pytest.raises(ConfigError) as error:
        grid_cells(base, [vary(text, base)])
    message = str(error.value)
    assert message.startswith(f"{name}: ") and values in message
    assert f"used only by optimizer {reader} (this grid's is {optimizer})" in message


def test_a_setting_is_refused_where_no_cell_reads_it_and_kept_where_some_do():
    quiet = replace(BASE, noise=0.0)
    with pytest.raises(ConfigError, match=r"noise_schedule.*noise 0"):
        grid_cells(quiet, [vary("noise_schedule=constant,linear", quiet)])
    both = grid_cells(quiet, [vary("noise_schedule=constant,linear", quiet), vary("noise=0,0.2", quiet)])
    assert len(both) == 4
    sgd = replace(BASE, optimizer="sgd")
    cells = grid_cells(sgd, [vary("optimizer=sgd,momentum", sgd), vary("momentum=0,0.9", sgd)])
    assert [(cell.config.optimizer, cell.config.momentum) for cell in cells] == [
        ("sgd", 0.0), ("sgd", 0.9), ("momentum", 0.0), ("momentum", 0.9)
    ]  # fmt: skip


def test_each_optimizer_reads_what_the_active_settings_say_it_does():
    """OPTIMIZERS' reads and active_settings.ACTIVE_WHEN tell the same story for every optimizer setting."""
    from aelab.active_settings import is_active
    from aelab.optimizers import OPTIMIZERS

    own = set().union(*(entry.reads for entry in OPTIMIZERS.values()))
    assert own == {"momentum", "max_growth", "rprop_min_step", "rprop_max_step"}
    for entry in OPTIMIZERS.values():
        config = replace(BASE, optimizer=entry.name)
        assert {name for name in own if is_active(name, config)} == entry.reads, entry.name


def test_cli_grid_refuses_momentum_with_sgd(cli):
    status, out, err = cli(["grid", "--lr", "50", "--vary", "momentum=0,0.5,0.9"])
    assert status == 2 and out == "" and err.startswith("error: momentum: ") and "optimizer momentum" in err


@pytest.mark.parametrize(
    "name, settings, values",
    [
        ("lr", {"lr": 50.0}, "12.5,25,50,100"),  # x2 would pass lr's upper limit 100
        ("lr", {"lr": 80.0}, "20,40,80,100"),
        ("lr", {"optimizer": "adam", "lr": 0.003}, "0.00075,0.0015,0.003,0.006"),
        ("hidden", {"width": 8, "hidden": 3}, "1,2,3,6"),
        ("hidden", {"width": 8, "hidden": 6}, "2,3,6,8"),  # no more than the width
        ("epochs", {"epochs": 1000}, "250,500,1000,2000"),
        ("weight_decay", {"weight_decay": 0.0}, "0,0.001,0.003"),  # off: from off upwards
        ("optimizer", {}, "sgd,momentum,adam,rprop,quickprop"),
    ],
)
def test_default_values_sit_around_the_recipes_own_within_the_limits(name, settings, values):
    config = replace(Config(), **settings)
    assert default_values(name, config) == values
    vary(f"{name}={values}", config)  # and the grid takes them


def test_the_shared_description_leaves_out_what_differs_between_cells():
    base = replace(BASE, lr=50.0)
    cells = grid_cells(base, [vary("lr=0.5,1", base), vary("weight_decay=0,0.003", base)])
    words = shared_description(cells).split(" ")
    assert not any(word.startswith(("lr=", "wd=")) for word in words)
    assert "8-3-8" in words and "noise=0.2" in words


@pytest.mark.parametrize(
    ("texts", "size"),
    [
        (["hidden=2,3"], "8-k-8"),
        (["width=4,8"], "N-3-N"),
        (["width=4,8", "hidden=2,3"], "N-k-N"),
        (["lr=1,2"], "8-3-8"),
    ],
)
def test_the_shared_description_names_the_size_with_a_letter_for_what_is_varied(texts, size):
    """Varying the bottleneck once left the size out of the grid's header ('of numpy tanh mse sgd')."""
    cells = grid_cells(BASE, [vary(text, BASE) for text in texts])
    words = shared_description(cells).split(" ")
    assert words[:2] == [BASE.backend, size]


def chart_layers(chart) -> list[dict]:
    return chart.to_dict()["layer"]


@pytest.mark.parametrize("texts", [["lr=0.5,4"], ["lr=0.5,4", "weight_decay=0,0.001"]])
def test_a_cell_that_never_solved_is_marked_never_and_values_read_as_the_picker_writes_them(texts):
    """lr 0.5 for 40 epochs solves no seed: its median has no point, so the chart says `never` there."""
    from aelab import charts

    base = Config(width=8, hidden=3, epochs=40)
    result = grid(base, [vary(text, base) for text in texts], [0, 1])
    frame = formats.grid_frame(result)
    assert frame["median_solved_epoch"].isna().any()  # the premise: some cell never solved
    solved, median = charts.grid_charts(frame, [text.partition("=")[0] for text in texts])
    layers = chart_layers(median)
    marked = [layer for layer in layers if layer["mark"].get("text") == "never"]
    assert marked and all("!isValid(datum['median_solved_epoch'])" in json.dumps(layer) for layer in marked)
    spec = median.to_dict()
    assert spec["title"]["text"] == "Median solved epoch" and solved.to_dict()["title"]["text"]
    x = layers[0].get("encoding", {}).get("x") or spec["encoding"]["x"]
    assert x["axis"]["labelAngle"] == 0 and x["sort"][:2] == ["0.5", "4"]  # as value_text writes 4.0
    assert spec["autosize"]["type"] == "fit-x"  # the height sizes the plot, not title and axes too
    if len(texts) == 2:  # a heatmap's numbers: white on the dark half of the scale, black on the light
        inks = [layer["encoding"]["color"] for layer in chart_layers(solved) if "text" in layer.get("encoding", {})]
        assert inks and inks[0]["value"] == "black" and inks[0]["condition"]["value"] == "white"


def test_the_summary_gives_median_and_90th_percentile_in_the_same_whole_epochs():
    """numpy interpolates the 90th percentile (208.9); the grid and sweep summaries round it as the median."""
    from aelab.cli.grid import summary
    from aelab.report import sweep_summary

    base = Config(width=8, hidden=3, lr=50.0, epochs=400)
    result = grid(base, [vary("lr=25,50", base)], list(range(7)))
    p90s = [swept.p90_solved_epoch for swept in result.sweeps]
    assert any(p90 is not None and not p90.is_integer() for p90 in p90s)  # the premise
    rows = summary(result).splitlines()[1:3]
    for row, swept in zip(rows, result.sweeps, strict=True):
        median, p90 = row.split()[-2:]
        assert median == f"{swept.median_solved_epoch:,.0f}" and p90 == f"{swept.p90_solved_epoch:,.0f}"
        line = next(line for line in sweep_summary(swept).splitlines() if "90th percentile" in line)
        assert line.endswith(f"median epoch {median}, 90th percentile {p90}")


@pytest.mark.parametrize("names", [["lr"], ["lr", "weight_decay"]])
def test_grid_chart_text_is_16_px_or_more_in_lesson_mode(names):
    from aelab import charts
    from aelab.charts.fonts import LESSON_SCALE

    base = Config(width=8, hidden=3, epochs=40)
    texts = ["lr=0.5,4", "weight_decay=0,0.001"][: len(names)]
    result = grid(base, [vary(text, base) for text in texts], [0])
    for chart in charts.grid_charts(formats.grid_frame(result), names, LESSON_SCALE):
        marks = [layer["mark"] for layer in chart.to_dict()["layer"] if layer["mark"]["type"] == "text"]
        assert marks and all(mark["fontSize"] >= 16 for mark in marks)
