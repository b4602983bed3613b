"""Analysis on hand-made hidden and output matrices: codes, counts, distances, the 40-20-40 rule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from aelab import analysis


def bits_of(*codes: str) -> np.ndarray:
    """('101', '000') -> (P, k) bools, unit 0 first."""
    return np.array([[char == "1" for char in code] for code in codes])


def brute_force_distinct(bits: np.ndarray) -> int:
    return len({tuple(row) for row in bits.tolist()})


@pytest.mark.parametrize(
    ("activation", "threshold"),
    [("sigmoid", 0.5), ("tanh", 0.0), ("relu", 0.0), ("leaky_relu", 0.0), ("linear", 0.0)],
)
def test_code_threshold_is_the_midpoint_or_zero(activation, threshold):
    """Each activation reads a bit at its documented threshold, strictly above it meaning 1."""
    assert analysis.code_threshold(activation) == threshold
    hidden = np.array([[threshold - 1e-9, threshold, threshold + 1e-9]])
    assert analysis.binary_codes(hidden, activation).tolist() == [[False, False, True]]


def test_binary_codes_and_strings_on_a_sigmoid_layer():
    """Sigmoid activations threshold at 0.5 and print unit 0 first."""
    hidden = np.array([[0.9, 0.1, 0.7], [0.2, 0.3, 0.4], [0.51, 0.49, 0.99]])
    bits = analysis.binary_codes(hidden, "sigmoid")
    assert analysis.code_strings(bits) == ["101", "000", "101"]


def test_tanh_codes_read_the_sign():
    """tanh activations read 1 for positive values and 0 for negative ones."""
    hidden = np.array([[-0.8, 0.3], [0.2, -0.1]])
    assert analysis.code_strings(analysis.binary_codes(hidden, "tanh")) == ["01", "10"]


def test_distinct_codes_counts_different_rows():
    """Duplicated codes count once."""
    assert analysis.distinct_codes(bits_of("101", "101", "000", "011")) == 3
    assert analysis.distinct_codes(bits_of("00", "01", "10", "11")) == 4
    assert analysis.distinct_codes(bits_of("1", "1", "1")) == 1


@pytest.mark.parametrize("units", [1, 3, 62, 63, 70])
def test_distinct_codes_matches_brute_force_single_and_batched(units):
    """Both the packed-integer path (k <= 62) and the fallback (k > 62) agree with a set of rows, per seed."""
    rng = np.random.default_rng(units)
    seeds, patterns = 5, 12
    bits = rng.random((seeds, patterns, units)) < 0.5
    bits[:, 1] = bits[:, 0]  # force at least one collision per seed
    bits[0] = bits[0, 0]  # seed 0: every pattern shares one code
    expected = [brute_force_distinct(seed_bits) for seed_bits in bits]
    assert expected[0] == 1
    assert list(analysis.distinct_codes(bits)) == expected
    assert [analysis.distinct_codes(seed_bits) for seed_bits in bits] == expected


@pytest.mark.parametrize("units", [2, 62, 63, 64, 65, 128, 200, 1024])
def test_distinct_codes_equals_the_per_seed_unique_rows_on_random_codes(units):
    """The vectorised count equals the old definition, np.unique over each seed's rows, at any k:
    random codes drawn from a few prototypes (so seeds have many, few or no collisions), and codes
    that differ only in their last unit (the word packing's edge)."""
    rng = np.random.default_rng(1000 + units)
    seeds, patterns = 7, 40
    prototypes = rng.random((seeds, patterns, units)) < 0.5
    pick = rng.integers(0, rng.integers(1, patterns + 1, size=(seeds, 1)), size=(seeds, patterns))
    bits = np.take_along_axis(prototypes, pick[..., None], axis=1)  # (S, P, k), seed s from pick's prototypes
    bits[0] = False
    bits[0, ::2, -1] = True  # seed 0: two codes, told apart by the last unit only
    expected = [len(np.unique(seed_bits, axis=0)) for seed_bits in bits]
    assert expected[0] == 2 and len(set(expected)) > 1
    assert analysis.distinct_codes(bits).tolist() == expected


@pytest.mark.parametrize("units", [62, 63, 64, 70])
def test_distinct_codes_tells_every_single_unit_apart(units):
    """The zero code and each one-unit code are all different, for every unit up to the last (no overflow)."""
    bits = np.vstack([np.zeros((1, units), dtype=bool), np.eye(units, dtype=bool)])
    assert analysis.distinct_codes(bits) == units + 1
    all_alike = np.zeros_like(bits)
    assert list(analysis.distinct_codes(np.stack([bits, all_alike]))) == [units + 1, 1]


def test_collisions_groups_patterns_sharing_a_code():
    """collisions lists each group of patterns with one code; nothing when all differ."""
    groups = analysis.collisions(bits_of("10", "01", "10", "11", "01", "10"))
    assert sorted(sorted(group) for group in groups) == [[0, 2, 5], [1, 4]]
    assert analysis.collisions(bits_of("00", "01", "10", "11")) == []


def test_hamming_matrix_matches_brute_force():
    """The Hamming matrix equals a pairwise count of differing bits."""
    bits = np.random.default_rng(1).random((9, 5)) < 0.5
    expected = np.array([[int(np.sum(a != b)) for b in bits] for a in bits])
    hamming = analysis.hamming_matrix(bits)
    np.testing.assert_array_equal(hamming, expected)
    assert np.all(np.diag(hamming) == 0) and np.array_equal(hamming, hamming.T)


def test_hamming_matrix_of_the_3_bit_code():
    """All eight 3-bit codes: every code has exactly three neighbours at distance 1."""
    bits = np.array(list(itertools.product([False, True], repeat=3)))
    hamming = analysis.hamming_matrix(bits)
    assert (hamming == 1).sum(axis=1).tolist() == [3] * 8
    assert hamming[0, 7] == 3


@pytest.mark.parametrize(
    ("activation", "saturated", "midpoint"),
    [("sigmoid", (0.0, 1.0), 0.5), ("tanh", (-1.0, 1.0), 0.0)],
)
def test_binariness_is_one_when_saturated_and_zero_at_the_midpoint(activation, saturated, midpoint):
    """Bounded activations: 1 at the ends of the range, 0 at its midpoint, linear in between."""
    low, high = saturated
    ends = np.array([[low, high], [high, low], [high, high]])
    assert analysis.binariness(ends, activation) == pytest.approx(1.0)
    assert analysis.binariness(np.full((3, 2), midpoint), activation) == pytest.approx(0.0)
    quarter = np.full((3, 2), low + 0.25 * (high - low))  # distance 0.25 to the nearer end
    assert analysis.binariness(quarter, activation) == pytest.approx(0.5)


def test_binariness_of_unbounded_activations_uses_each_units_range():
    """relu: a unit's values map between its own min and max; two-valued units score 1."""
    two_valued = np.array([[0.0, 3.0], [5.0, 0.0], [0.0, 3.0]])
    assert analysis.binariness(two_valued, "relu") == pytest.approx(1.0)
    spread = np.array([[0.0], [2.0], [4.0]])  # maps to 0, 0.5, 1
    assert analysis.binariness(spread, "relu") == pytest.approx(1 - 2 * (0.5 / 3))


def test_forty_twenty_forty_rule_edges():
    """A 1 is right at >= 0.6, a 0 at <= 0.4; 0.6 and 0.4 exactly count as right."""
    targets = np.array([[1.0, 0.0], [0.0, 1.0]])
    on_the_edge = np.array([[0.6, 0.4], [0.4, 0.6]])
    assert analysis.bits_right(on_the_edge, targets).all()
    just_outside = np.array([[0.5999, 0.4001], [0.4001, 0.5999]])
    assert not analysis.bits_right(just_outside, targets).any()
    mixed = np.array([[0.9, 0.5], [0.1, 0.59]])
    assert analysis.bits_right(mixed, targets).tolist() == [[True, False], [True, False]]


def test_argmax_accuracy_counts_patterns_whose_largest_output_is_the_target():
    """Three of four patterns with the right argmax give 0.75; batched gives one figure per seed."""
    targets = np.eye(4)
    outputs = np.eye(4) * 0.3 + 0.1
    outputs[2] = [0.0, 0.9, 0.2, 0.0]  # pattern 2's largest output is in column 1
    assert analysis.argmax_accuracy(outputs, targets) == pytest.approx(0.75)
    batch = np.stack([outputs, np.eye(4)])
    np.testing.assert_allclose(analysis.argmax_accuracy(batch, targets), [0.75, 1.0])


def test_measure_on_a_batch():
    """measure reports per-seed accuracy, 40-20-40 fraction, solved flag and distinct codes."""
    targets = np.eye(4)
    perfect = np.eye(4) * 0.8 + 0.1  # 0.9 on the diagonal, 0.1 elsewhere
    one_wrong = perfect.copy()
    one_wrong[0, 1] = 0.5
    outputs = np.stack([perfect, one_wrong])
    hidden = np.stack([bits_of("00", "01", "10", "11") * 0.8 + 0.1, bits_of("00", "00", "10", "11") * 0.8 + 0.1])
    metrics = analysis.measure(hidden, outputs, targets, "sigmoid")
    np.testing.assert_allclose(metrics.accuracy, [1.0, 1.0])
    np.testing.assert_allclose(metrics.bits_correct, [1.0, 15 / 16])
    assert metrics.outputs_solved.tolist() == [True, False]
    assert list(metrics.distinct_codes) == [4, 3]


def test_code_report_is_consistent():
    """code_report bundles codes, distinct count, collisions, Hamming matrix and binariness of one layer."""
    hidden = np.array([[0.9, 0.1], [0.2, 0.8], [0.95, 0.05], [0.7, 0.6]])
    report = analysis.code_report(hidden, "sigmoid")
    assert report.codes == ["10", "01", "10", "11"]
    assert report.distinct == 3
    assert report.collisions == [[0, 2]]
    assert report.hamming[0, 1] == 2 and report.hamming[0, 2] == 0 and report.hamming[1, 3] == 1
    assert 0.0 < report.binariness < 1.0
