"""The sidebar: every setting as a widget sized by aelab.config.SETTINGS, presets, and the share link."""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from aelab.backends import torch_unavailable_reason
from aelab.config import SETTINGS, Config, ConfigError, config_to_strings, min_code_bits
from aelab.patterns import binary_targets
from aelab.presets import PRESETS, apply_preset, config_from_link, preset_in_use, recipe_offer, uses_recipe, with_recipe
from aelab.report import markdown_literal
from aelab_page.lesson import FLAGS, current_lesson, lesson_link, restore_lesson
from aelab_page.live import SPEEDS
from aelab_page.setting_widgets import (
    choice_widget,
    current_config,
    fit_note,
    fit_on_change,
    fitted_config,
    load_into_widgets,
    number_row,
    number_widget,
    pattern_fields,
    setting_value,
    shown,
)
from aelab_page.upload import csv_inputs, csv_uploader

PAGE_KEYS = ("speed",)  # link keys for the page's own controls, not settings (`preset` is read with them)


def restore_settings_once() -> None:
    """On a session's first run, fill the widgets from the share link (or the page's defaults, with
    `preset=NAME` under the link's settings), the speed, and keep its lesson flags (aelab_page.lesson);
    settings the link hides keep the link's values."""
    if "restored" in st.session_state:
        return
    st.session_state.restored = True
    link = st.query_params.to_dict()
    lesson_problems = restore_lesson(link)
    config, problems = config_from_link({k: v for k, v in link.items() if k not in FLAGS + PAGE_KEYS})
    st.session_state.speed, speed_problems = speed_from_link(link.get("speed"))
    problems += speed_problems + lesson_problems
    if config.backend == "torch" and torch_unavailable_reason():
        problems.append(f"backend 'torch' is not available here ({torch_unavailable_reason()}); using numpy")
        config = dataclasses.replace(config, backend="numpy")
    st.session_state.link_problems = problems
    load_into_widgets(config)
    st.session_state.locked = {name: getattr(config, name) for name in current_lesson().hidden}


def speed_from_link(text: str | None) -> tuple[int, list[str]]:
    """The link's `speed` (epochs per second, 0: full speed), and what was wrong with it."""
    if text is None:
        return SPEEDS[0], []
    if text.strip() in map(str, SPEEDS):
        return int(text.strip()), []
    error = ConfigError("speed", text, f"one of {', '.join(map(str, SPEEDS))} epochs per second (0: full speed)")
    return SPEEDS[0], [f"{error}; using full speed instead"]


def _apply_chosen_preset() -> None:
    """on_change of the preset menu: set its widgets (the menu then names it while they match it)."""
    if st.session_state.preset in PRESETS:
        load_into_widgets(apply_preset(st.session_state.preset, current_config()))


def learning_rate_stops() -> list[float]:
    """1, 2, 5 per decade across the learning rate's limits."""
    low, high = SETTINGS["lr"].low, SETTINGS["lr"].high
    decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    stops = [round(mantissa * 10.0**power, 12) for power in decades for mantissa in (1, 2, 5)]
    return [stop for stop in stops if low <= stop <= high]


def settings_ui() -> Config:
    """The sidebar. Returns the config the widgets describe; changing one never retrains."""
    sidebar = st.sidebar
    sidebar.header("Settings")
    if shown("hidden"):  # keep k valid when N shrinks (so that the settings make a Config)
        st.session_state.hidden = min(st.session_state.hidden, setting_value("width"))
    st.session_state.preset = preset_in_use(current_config())  # the menu names the preset the settings equal
    sidebar.selectbox(
        "Preset",
        list(PRESETS),
        format_func=lambda name: PRESETS[name].title,
        index=None,
        placeholder="Custom settings: choose a preset...",
        key="preset",
        on_change=_apply_chosen_preset,
        help="Sets the sizes and the recipe (backend, seed and when to stop stay as they are). Everything stays "
        "editable; the menu names the preset while the settings are its own.",
    )
    torch_reason = torch_unavailable_reason()
    choice_widget(
        "backend",
        sidebar,
        radio=True,
        captions=[
            "forward and backward written out by hand",
            "torch kernels, torch.optim, checked by autograd"
            if torch_reason is None
            else f"unavailable: {torch_reason}",
        ],
    )
    choice_widget("data", sidebar)
    if setting_value("data") == "csv":
        csv_uploader(sidebar)
    number_row(sidebar, {"width": None, "hidden": None})
    pattern_fields(sidebar)
    bottleneck_note(current_config())
    choice_widget("activation", sidebar)
    choice_widget("loss", sidebar, radio=True)
    choice_widget("output", sidebar)
    choice_widget("optimizer", sidebar)
    if shown("lr"):
        lr_stops = sorted(set(learning_rate_stops()) | {st.session_state.lr})  # a shared link may carry any lr
        sidebar.select_slider(
            "Learning rate (log scale)",
            options=lr_stops,
            format_func=lambda v: f"{v:g}",
            key="lr",
            help=SETTINGS["lr"].help,
            **fit_on_change("lr"),
        )
        fit_note(("lr",), sidebar)
    number_row(sidebar, {"epochs": 100, "seed": None})
    choice_widget("stop", sidebar, radio=True)
    number_widget("hold", sidebar, step=10)
    sidebar.markdown("**Methods for tight bottlenecks**")
    number_row(sidebar, {"noise": 0.1, "restart_after": 100})
    choice_widget("noise_schedule", sidebar, radio=True)
    number_widget("weight_decay", sidebar, step=0.0005)
    with sidebar.expander("More settings"):
        number_widget("momentum", step=0.05)
        number_widget("init_scale", step=0.1)
        choice_widget("init", radio=True)
        number_widget("batch_size")
        number_widget("flat_spot", step=0.05)
        number_widget("max_growth", step=0.25)
        number_widget("rprop_max_step", step=1.0)
        number_widget("rprop_min_step", step=1e-6)
        choice_widget("dtype", radio=True)
        choice_widget("device", radio=True)
    config, fits = fitted_config()  # what the widgets cannot take: a lesson's locked setting, csv without its file
    if fits:
        lines = [fit.text(markdown_literal) for fit in fits]
        sidebar.warning("These settings do not go together, so the run uses others:  \n" + "  \n".join(lines))
    recipe_note(config)
    return config


def _use_recipe(name: str) -> None:
    """on_click of "Use the ... recipe": the preset's recipe for the current size."""
    load_into_widgets(with_recipe(current_config(), PRESETS[name]))


def recipe_note(config: Config) -> None:
    """Say which tuned recipe the settings follow, or offer the one for this size in one click."""
    preset = recipe_offer(config)
    if preset is None:  # other data: no recipe was tuned on it
        return
    exact = preset.size == (config.width, config.hidden)
    if uses_recipe(config, preset):
        where = "" if exact else f" (tuned for {preset.name})"
        st.sidebar.success(f"Recipe{where}: {preset.describe()}. {preset.evidence}", icon=":material/verified:")
    else:
        label = f"Use the {preset.name} recipe" + ("" if exact else " (nearest tuned size)")
        st.sidebar.button(
            label,
            key="use_recipe",
            on_click=_use_recipe,
            args=(preset.name,),
            icon=":material/auto_fix_high:",
            help=f"{preset.describe()}. {preset.evidence}",
            width="stretch",
        )


MULTI_HOT_TIGHT = (
    " Multi-hot patterns often need more units than distinct codes do: each output unit must split the codes "
    "of the patterns that light it from the rest with one plane (4x4 bars never solve with k = 3)."
)


def bottleneck_note(config: Config) -> None:
    width, hidden, patterns = config.width, config.hidden, config.pattern_count
    if not binary_targets(config, csv_inputs()):
        st.sidebar.caption(f"{patterns} real-valued patterns of width {width} through {hidden} units: no binary code.")
        return
    bits = min_code_bits(patterns)
    if hidden < bits:
        st.sidebar.warning(
            f"k = {hidden} is too small for a distinct binary code per pattern: {hidden} binary units "
            f"make at most {2**hidden} codes for {patterns} patterns (needs k >= ceil(log2 P) = {bits})."
        )
    else:
        kind = "tight" if hidden == bits else "overcomplete" if hidden >= patterns else "loose"
        article = "an" if kind == "overcomplete" else "a"
        multi_hot = config.data != "one_hot" and kind == "tight"  # docs/patterns.md: why, and what was measured
        st.sidebar.caption(
            f"ceil(log2 {patterns}) = {bits}: {article} {kind} bottleneck." + (MULTI_HOT_TIGHT if multi_hot else "")
        )


def mirror_to_url(config: Config) -> None:
    """Keep the address bar a share link for the current settings: the preset they equal (if any), every
    setting, the speed and the lesson flags."""
    preset = preset_in_use(config)
    wanted = ({"preset": preset} if preset else {}) | config_to_strings(config)
    wanted |= {"speed": str(st.session_state.get("speed", SPEEDS[0]))} | lesson_link(current_lesson())
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
