"""'How it is computed': the from-scratch backend's real source, read with inspect (never a copy)."""

from __future__ import annotations

import inspect

import streamlit as st

from aelab import activations
from aelab.backends import numpy_backend, numpy_optim


def source_ui() -> None:
    with st.expander("How it is computed: the from-scratch NumPy code", icon=":material/code:"):
        st.caption(
            "This is the code that trains when the backend is NumPy, read from the running library. "
            "The PyTorch backend runs the same network in torch: a full-batch step's gradient comes from a few "
            "fused torch kernels (aelab/backends/torch_fused.py), every other step's from autograd; the tests "
            "check the two backends against each other, against autograd and against finite differences."
        )
        st.markdown("**The network, forward and backward** (`aelab/backends/numpy_backend.py`)")
        st.code(inspect.getsource(numpy_backend.NumpyBackend), language="python")
        st.code(inspect.getsource(numpy_backend.output_layer), language="python")
        st.markdown("**The activation functions and their slopes** (`aelab/activations.py`)")
        st.code(inspect.getsource(activations), language="python")
        st.markdown("**The optimisers, as torch.optim does them** (`aelab/backends/numpy_optim.py`)")
        st.code(inspect.getsource(numpy_optim), language="python")
