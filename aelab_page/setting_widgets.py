"""The sidebar's widgets bound to settings: each sized by aelab.config.SETTINGS, and each change followed by the
other settings that go with it (setting_fits.fit_change), said under the changed widget so nothing changes
silently."""

from __future__ import annotations

import streamlit as st

from aelab.config import PAGE_DEFAULTS, SETTINGS, Config, fit_together
from aelab.patterns import PATTERN_SETS, binary_values
from aelab.report import markdown_literal
from aelab.setting_fits import Fit, clash_fits, fit_change
from aelab_page.upload import csv_inputs, csv_shape

PATTERN_FIELDS = ("patterns", "density", "data_seed")  # shown where the pattern set reads them (PatternSet.reads)


def load_into_widgets(config: Config) -> None:
    """Set every widget to `config` (a preset, a link, an opened run); an earlier change's note goes with it."""
    for name in SETTINGS:
        st.session_state[name] = getattr(config, name)
    st.session_state.pop("fit_note", None)


def setting_value(name: str) -> object:
    """A setting's value: its widget's, or the link's for a setting the link hides (no widget)."""
    locked = st.session_state.get("locked", {})
    if name not in locked:
        return st.session_state[name]
    return min(locked[name], setting_value("width")) if name == "hidden" else locked[name]  # k <= N


def shown(name: str) -> bool:
    return name not in st.session_state.get("locked", {})


def current_config() -> Config:
    """The config the widgets describe, with any setting that clashes with the others made to fit
    (config.fit_together: the widgets can each hold a value that another one rules out)."""
    return fitted_config()[0]


def fitted_config() -> tuple[Config, list[Fit]]:
    """The config the widgets describe, and each setting that had to change to fit the others."""
    values = widget_values()
    config, clashes = fit_together(PAGE_DEFAULTS, values, csv_shape())
    return config, clash_fits(values, config, clashes)


def widget_values() -> dict[str, object]:
    values = {name: setting_value(name) for name in SETTINGS}
    inputs = csv_inputs()
    if values["data"] == "csv" and inputs is not None and not binary_values(inputs):
        values["stop"] = "never"  # a real-valued file's only goal, as for the digits (a 0/1 file keeps its goal)
    return values


def number_widget(name: str, container=st, step: float | None = None, note: bool = True) -> None:
    """A number input whose limits are the setting's own (k's the width), so it holds every value a link may
    carry; with `note`, what its last change made the other settings do under it."""
    setting = SETTINGS[name]
    high = setting_value(setting.high_field) if setting.high_field else setting.high
    if not shown(name):
        return
    kind = setting.kind if setting.kind is int else float
    container.number_input(
        setting.label,
        kind(setting.low),
        kind(high),
        step=step or (1 if kind is int else None),
        format=None if kind is int else "%g",
        key=name,
        help=setting.help,
        **fit_on_change(name),
    )
    if note:
        fit_note((name,), container)


def number_row(container, steps: dict[str, float | None]) -> None:
    """Number inputs side by side (name -> step), and what the last change to one of them made the others do,
    under the row."""
    names = [name for name in steps if shown(name)]
    if names:
        for column, name in zip(container.columns(len(names)), names, strict=True):
            number_widget(name, column, steps[name], note=False)
        fit_note(tuple(names), container)


def fit_on_change(name: str) -> dict[str, object]:
    """A setting widget's on_change: _fit_after_change, told the value the widget holds now (before the change)."""
    return {"on_change": _fit_after_change, "args": (name, st.session_state.get(name))}


def _fit_after_change(name: str, old: object) -> None:
    """on_change of every setting's widget: the other widgets take the values that go with the new one
    (setting_fits.fit_change: a pattern set's own lr, the digits' width 64, stop never for real-valued data,
    an output the loss takes ...), and each one that changed is said under the changed widget (fit_note)."""
    chosen = st.session_state.get("data")
    config, fits = fit_change(PAGE_DEFAULTS, widget_values(), name, old, csv_shape())
    load_into_widgets(config)
    if chosen == "csv" and csv_shape() is None:  # kept while no file is in (the runs use one_hot), so that the
        st.session_state.data = "csv"  # uploader shows (it says so)
        fits = [fit for fit in fits if fit.field != "data"]
    lines = [fit.text(markdown_literal) for fit in fits if shown(fit.field)]  # a locked one: the sidebar's warning
    st.session_state.fit_note = (name, lines)


def fit_note(names: tuple[str, ...], container=st) -> None:
    """What the last change to one of `names` made the other settings do, one line each, kept until the next
    change to a setting."""
    changed, lines = st.session_state.get("fit_note", (None, []))
    if changed in names and lines:
        container.info("  \n".join(lines), icon=":material/sync_alt:")


def choice_widget(name: str, container=st, radio: bool = False, captions: list[str] | None = None) -> None:
    if not shown(name):
        return
    setting = SETTINGS[name]
    options = setting.options
    label = (lambda value: options[value] or value) if any(options.values()) else str
    if radio:
        container.radio(
            setting.label,
            list(options),
            format_func=label,
            key=name,
            help=setting.help,
            captions=captions,
            horizontal=captions is None,
            **fit_on_change(name),
        )
    else:
        container.selectbox(
            setting.label, list(options), format_func=label, key=name, help=setting.help, **fit_on_change(name)
        )
    fit_note((name,), container)


def pattern_fields(sidebar) -> None:
    """Pattern count, density and data seed, each only where the chosen pattern set reads it; one it does not
    read keeps its value in the session (a widget not drawn would lose it), so a link carries it on."""
    reads = [name for name in PATTERN_FIELDS if name in PATTERN_SETS[setting_value("data")].reads]
    for name in PATTERN_FIELDS:
        if name not in reads and name in st.session_state:
            st.session_state[name] = st.session_state[name]
    number_row(sidebar, {name: 0.05 if name == "density" else None for name in reads})
