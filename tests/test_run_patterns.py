"""A csv run's saved file carries its patterns: it opens and goes on exactly (library and `train --resume`),
and a file whose patterns are missing or out of range is refused with one line naming them."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from aelab import Config, formats
from aelab.run_file import RunFileError, load_trainer, resume_section
from aelab.train import Trainer
from tests.test_resume import assert_same_run

PATTERNS = np.array([[0.0, 0.5, 1.0, 0.0], [1.0, 0.25, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.3, 0.3, 0.9, 0.1]])
CSV = Config(data="csv", width=4, patterns=4, hidden=2, optimizer="adam", lr=0.05, epochs=60, dtype="float64")


def saved(trainer: Trainer) -> dict:
    result = trainer.run(0)
    return formats.run_json(result.run(0)) | {"resume": resume_section(trainer)}


def test_a_csv_run_saved_and_loaded_goes_on_as_the_original():
    trainer = Trainer(CSV, [CSV.seed], keep_snapshots=True, inputs=PATTERNS)
    trainer.run(25)
    loaded = load_trainer(json.dumps(saved(trainer)))
    np.testing.assert_array_equal(loaded.data, PATTERNS)
    assert loaded.epoch == 25 and loaded.config == CSV
    assert_same_run(loaded.run(30), trainer.run(30), rtol=0)


def test_other_sets_save_no_patterns_and_old_files_without_the_field_load():
    config = replace(CSV, data="one_hot", patterns=0, width=6)
    document = saved(Trainer(config, [config.seed], keep_snapshots=True))
    assert document["resume"]["patterns"] is None  # made again from the config
    del document["resume"]["patterns"]  # a file saved before this field
    assert load_trainer(json.dumps(document)).epoch == 0


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda section: section.pop("patterns"), "patterns"),
        (lambda section: section.update(patterns=None), "patterns"),
        (lambda section: section["patterns"]["values"].__setitem__(5, 1.5), "patterns"),
        (lambda section: section["patterns"].update(shape=[2, 8]), "patterns"),
    ],
)
def test_a_csv_file_without_good_patterns_is_refused_in_one_line(change, named):
    section = saved(Trainer(CSV, [CSV.seed], keep_snapshots=True, inputs=PATTERNS))["resume"]
    change(section)
    with pytest.raises(RunFileError) as caught:
        load_trainer(json.dumps({"resume": section}))
    message = str(caught.value)
    assert named in message and len(message.splitlines()) == 1


def test_train_resume_goes_on_from_a_csv_runs_file(cli, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("\n".join(",".join(str(v) for v in row) for row in PATTERNS))
    status, out, _ = cli(["train", "--csv", str(path), "--hidden", "2", "--epochs", "20", "--json"])
    assert status == 0
    run = tmp_path / "run.json"
    run.write_text(out)
    status, out, err = cli(["train", "--resume", str(run), "--epochs", "10", "--json"])
    assert status == 0, err
    document = json.loads(out)
    assert document["config"]["data"] == "csv" and document["resume"]["epoch"] == 30
    assert np.array(document["resume"]["patterns"]["values"]).reshape(4, 4).tolist() == PATTERNS.tolist()
