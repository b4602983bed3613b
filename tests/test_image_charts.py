"""Patterns drawn as images: which samples, each pixel where it belongs, and the decoded images' tiles."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aelab.charts.images import code_plane, image_pairs, sample_indices, tile_frame
from aelab.decoded_plane import DecodedPlane


def test_samples_are_the_first_of_each_label_else_spread_evenly():
    labels = np.array([3, 1, 1, 0, 3, 2])
    assert sample_indices(6, labels, 10).tolist() == [0, 1, 3, 5]  # first 0 at 3, 1 at 1, 2 at 5, 3 at 0
    assert sample_indices(6, labels, 2).tolist() == [1, 3]  # labels 0 and 1 first
    assert sample_indices(9, None, 3).tolist() == [0, 4, 8]


def test_each_pixel_is_drawn_where_it_belongs():
    rng = np.random.default_rng(0)
    inputs, outputs = rng.random((4, 6)), rng.random((4, 6)) * 1.4 - 0.2  # 2x3 images; outputs overshoot 0..1
    spec = image_pairs(inputs, outputs, (2, 3), np.array([1, 3]), np.array([5, 6, 7, 8])).to_dict()
    frame = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert spec["facet"]["sort"] == ["#1: 6", "#3: 8"]
    for pattern, title in ((1, "#1: 6"), (3, "#3: 8")):
        for shown, images, offset in (("input", inputs, 0), ("reconstruction", outputs, 3)):
            cells = frame[(frame.pattern == title) & (frame.shown == shown)]
            assert len(cells) == 6
            for cell in cells.itertuples():
                exact = images[pattern].reshape(2, 3)[cell.row - offset, cell.column]
                assert cell.exact == exact and cell.value == np.clip(exact, 0, 1)


def test_each_decoded_image_is_tiled_at_its_grid_point():
    outputs = np.arange(2 * 2 * 4, dtype=float).reshape(2, 2, 4) / 16  # 2x2 grid of 2x2 images
    plane = DecodedPlane(np.array([0.25, 0.75]), np.array([0.25, 0.75]), outputs)
    tiles = tile_frame(plane, (2, 2))
    assert len(tiles) == 16
    # grid point (x 0.75, y 0.25) is outputs[0, 1]; its pixel row 0 column 1 is the top right quarter of its tile
    x_mid, y_mid = (tiles.x + tiles.x2) / 2, (tiles.y + tiles.y2) / 2
    tile = tiles[(x_mid > 0.75) & (x_mid < 1.0) & (y_mid > 0.25) & (y_mid < 0.5)]
    assert tile.value.tolist() == [outputs[0, 1, 1]]
    assert ((tiles.x2 > tiles.x) & (tiles.y > tiles.y2)).all()


def test_the_code_plane_is_one_chart_of_tiles_under_labelled_points():
    codes = np.array([[0.1, 0.2], [0.6, 0.9]])
    plane = DecodedPlane(np.array([0.25, 0.75]), np.array([0.25, 0.75]), np.zeros((2, 2, 4)))
    spec = code_plane(codes, np.array([4, 7]), plane, (2, 2), (0.0, 1.0)).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "circle"]
    assert spec["layer"][1]["encoding"]["color"]["field"] == "label"
    without = code_plane(codes, None, None, None, (0.0, 1.0)).to_dict()  # not images, no labels: points only
    assert without["layer"][0]["mark"]["type"] == "circle" and len(without["layer"]) == 1
