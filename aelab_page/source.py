"""'How it is computed': the readable network's real source (aelab/scratch.py), read with inspect (never a
copy), and where the fast backend that trains does the same maths."""

from __future__ import annotations

import inspect

import streamlit as st

from aelab import activations, scratch

SCRATCH_FILE = "aelab/scratch.py"
BACKEND_FILE = "aelab/backends/numpy_backend.py"
FAST_BACKEND_NOTE = (
    f"The NumPy backend that trains on this page (`{BACKEND_FILE}`, with its optimisers in "
    "`aelab/backends/numpy_optim.py`) does this same maths batched over seeds: many networks as one stack "
    "of arrays trained together, with buffers reused and shortcuts for one-hot patterns. "
    "`tests/test_scratch.py` trains both from the same weights, for every "
    "activation and loss, with SGD and with momentum, and holds their weights and losses equal every epoch "
    "(float64, to 1e-9). Adam, Rprop, Quickprop, mini-batches, hidden noise, weight decay and the flat-spot "
    "offset live only in the backend. The PyTorch backend runs the same network in torch; the tests check "
    "it against the NumPy backend, against autograd and against finite differences."
)


def activation_table_source() -> str:
    """The activations module's constants and its table from the sigmoid on: each function and its slope,
    without the dataclass and its colour helpers above them (those are for the charts)."""
    lines = inspect.getsource(activations).splitlines(keepends=True)
    constants = [line for line in lines if line.startswith("LEAKY_SLOPE")]
    start = next((i for i, line in enumerate(lines) if line.startswith("def sigmoid")), 0)
    return "".join([*constants, "\n\n", *lines[start:]]) if start else "".join(lines)


def source_ui() -> None:
    with st.expander("How it is computed: the network from scratch, in NumPy", icon=":material/code:"):
        st.caption(
            "One network, full batch: the forward pass, the backward pass by the chain rule, and the update. "
            "This is the running library's own code, read from it as the page loads."
        )
        st.markdown(f"**The network, forward and backward** (`{SCRATCH_FILE}`)")
        st.code(inspect.getsource(scratch), language="python")
        st.markdown("**The activation functions and their slopes** it uses (`aelab/activations.py`)")
        st.code(activation_table_source(), language="python")
        st.markdown(FAST_BACKEND_NOTE)
