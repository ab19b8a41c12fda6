"""The Inside page's parts: the layers, why this digit, the nearest training digits, the preprocessing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.catalog import ModelEntry
from mnist_core.inside import pictures
from mnist_core.inside.attribution import SmoothGrad, attributions
from mnist_core.inside.explain import Explanation, first_filters, layer_picture, templates
from mnist_core.inside.neighbours import NeighbourIndex
from mnist_core.predict import predict_one
from mnist_core.preprocess import Recipe, canvas_to_mnist
from pages.ui import charts, text
from pages.ui.images import enlarge

MAP_SCALE = 8  # Attribution overlays: 224 px for the 28x28 input.
SHAPE_TEXT = "×"


def show(where, picture, caption: str | None = None, width: int | str = "content") -> None:
    """A picture as a PNG (Streamlit would send an RGB array as a JPEG, blurring the crisp pixels)."""
    where.image(picture, caption=caption, width=width, output_format="PNG")


def shape_text(shape: tuple[int, ...]) -> str:
    return SHAPE_TEXT.join(str(size) for size in shape)


def path_line(explanation: Explanation) -> str:
    """input 28×28 → conv_1 12×12×64 → … → probabilities 10, escaped for Markdown."""
    steps = ["input 28×28", *(f"{layer.name} {shape_text(layer.shape)}" for layer in explanation.layers)]
    return " → ".join(text.plain(step, 60) for step in steps)


def layers(explanation: Explanation) -> None:
    """Every layer's output for the image: maps as grids, vectors as bars, the rest named."""
    if explanation.network.note:
        st.info(text.plain(explanation.network.note), icon=":material/info:")
    st.caption(path_line(explanation))
    filters = first_filters(explanation.network)
    if filters is not None:
        st.markdown("**What the first layer learned**: its filters (red weights add, blue weights subtract).")
        show(st, filters)
    chosen = templates(explanation.network, explanation.outputs)
    if chosen is not None:
        units, values, picture = chosen
        st.markdown("**The most active first-layer units**: the weights each one gives to every pixel.")
        show(
            st,
            picture,
            caption=", ".join(
                f"unit {unit}: {value:.2f}" for unit, value in zip(units, values or [], strict=False)
            ),
        )
    for number, (layer, output) in enumerate(zip(explanation.layers, explanation.outputs, strict=True), 1):
        st.markdown(
            f"**{number}. {text.plain(layer.name, 60)}** · {text.plain(layer.kind, 40)} · "
            f"{shape_text(layer.shape)}"
        )
        picture = layer_picture(layer, output)
        if layer.picture == "units" and picture is not None:
            frame = pd.DataFrame({"unit": np.arange(output.size), "value": output.ravel()})
            st.bar_chart(frame, x="unit", y="value", height=140, width="stretch")
        elif picture is not None:
            show(
                st,
                picture,
                caption=f"{output.shape[-1]} map{'s' if output.shape[-1] > 1 else ''} of "
                f"{output.shape[0]}×{output.shape[1]}, one colour scale",
            )
        elif layer.kind == "Flatten":
            st.caption(f"{output.size} numbers: the maps above, in one row.")
        elif layer.picture == "units":
            st.caption(f"{output.size} units: too many to draw as bars.")
        else:
            st.caption(f"An output of shape {shape_text(layer.shape)} has no picture here.")


def why(explanation: Explanation, key: str) -> None:
    """The attribution map for the answer, and for any other digit the learner picks."""
    answer = explanation.prediction.digit
    choices = st.columns([1, 2], vertical_alignment="bottom")
    other = choices[0].selectbox("Explain another digit", range(10), index=answer, key=f"{key}_digit")
    method = SmoothGrad(
        on_ink=choices[1].toggle("Only on the ink (× input)", value=True, key=f"{key}_on_ink")
    )
    st.caption(text.plain(method.description))
    # The answer's on-ink map is the explanation's own (the default method); only the rest is computed.
    reused = [explanation.saliency] if method == SmoothGrad() else []
    wanted = ([] if reused else [answer]) + ([other] if other != answer else [])
    maps = reused + (
        list(attributions(explanation.network, explanation.image, wanted, method)) if wanted else []
    )
    titles = [f"Why {answer}"]
    if other != answer:
        maps.append(maps[0] - maps[1])  # The difference of the two scores' maps (same noise).
        titles += [f"Why {other}", f"Why {answer} and not {other}"]
    for column, title, saliency in zip(st.columns(len(titles)), titles, maps, strict=True):
        show(
            column, pictures.enlarge(pictures.overlay(explanation.image, saliency), MAP_SCALE), caption=title
        )
    st.vega_lite_chart(*charts.probability_figure(explanation.prediction.probabilities), width="stretch")


def nearest(explanation: Explanation, index: NeighbourIndex) -> None:
    """The 8 training digits nearest the drawing in the penultimate layer."""
    if index.error:
        st.error(text.plain(index.error), icon=":material/error:")
        return
    if not explanation.nearest:
        st.info(
            "Finding the nearest training digits (once per model, a few seconds)…",
            icon=":material/hourglass_top:",
        )
        return
    st.caption(
        "The MNIST training digits whose penultimate-layer vectors are closest to the drawing's: what the "
        "network thinks looks most alike, just before it decides."
    )
    columns = st.columns(len(explanation.nearest))
    for column, neighbour in zip(columns, explanation.nearest, strict=True):
        show(
            column,
            enlarge(index.images[neighbour.index], 3),
            caption=f"{neighbour.label} · #{neighbour.index} · {neighbour.distance:.1f}",
        )


def preprocessing(entry: ModelEntry, picture: np.ndarray, source: str, key: str) -> None:
    """The recipe's steps side by side, each with a switch, and the answer with the steps skipped."""
    switches = st.columns(3)
    recipe = Recipe(
        crop=switches[0].toggle("Crop to the ink", value=True, key=f"{key}_crop"),
        scale=switches[1].toggle("Scale to 20 px", value=True, key=f"{key}_scale"),
        centre=switches[2].toggle("Centre of mass", value=True, key=f"{key}_centre"),
    )
    image, steps = canvas_to_mnist(picture, return_steps=True, source=source, recipe=recipe)
    ink = pictures.grey(steps.ink)
    if steps.box is not None:
        top, bottom, left, right = steps.box
        ink[top:bottom, [left, right - 1]] = pictures.POSITIVE.astype(np.uint8)
        ink[[top, bottom - 1], left:right] = pictures.POSITIVE.astype(np.uint8)
    columns = st.columns(3)
    show(columns[0], ink, caption="1. The ink, and its box", width=200)
    if steps.scaled is not None:
        show(columns[1], enlarge(steps.scaled, 6), caption="2. Scaled")
    if image is None:
        st.info(text.plain(steps.reason), icon=":material/draw:")
        return
    show(columns[2], enlarge(image, 6), caption="3. Placed in 28×28")
    found = predict_one(entry.model, image)
    label = "with every step" if recipe == Recipe() else "with these steps"
    with st.container(horizontal=True):
        st.metric(f"The answer {label}", found.digit, width=220)
        st.metric("Confidence", f"{found.confidence:.0%}", width=120)
    if not recipe.scale:
        st.caption("Without scaling there is nothing left to place: the crop is stretched to fill 28×28.")
