"""Pure chart builders: results in, `alt.Chart` out (testable through `chart.to_dict()`).

Nothing here touches streamlit; the page decides where a chart goes.
"""

from aelab.charts.codes import code_frame, code_scatter, code_table
from aelab.charts.curves import (
    METRIC_TITLES,
    history_charts,
    history_frame,
    live_loss_spec,
    run_labels,
    shown_metrics,
    solved_frame,
    solved_histogram,
    thin_indices,
)
from aelab.charts.grid import GRID_FIGURES, grid_charts
from aelab.charts.matrices import (
    DIVERGING,
    MAX_HEATMAP_CELLS,
    MAX_LABELLED_CELLS,
    SEQUENTIAL,
    MatrixView,
    diverging_domain,
    heatmap,
    heatmap_image,
    matrix_view,
    sample_rows,
)

__all__ = [
    "DIVERGING",
    "GRID_FIGURES",
    "MAX_HEATMAP_CELLS",
    "MAX_LABELLED_CELLS",
    "METRIC_TITLES",
    "SEQUENTIAL",
    "MatrixView",
    "code_frame",
    "code_scatter",
    "code_table",
    "diverging_domain",
    "grid_charts",
    "heatmap",
    "heatmap_image",
    "history_charts",
    "history_frame",
    "live_loss_spec",
    "matrix_view",
    "run_labels",
    "sample_rows",
    "shown_metrics",
    "solved_frame",
    "solved_histogram",
    "thin_indices",
]
