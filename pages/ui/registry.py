"""The app's pages: one registry for the navigation, the home page's cards and links between pages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    """One page: its script, title, icon, URL path and what the home page says about it."""

    path: str
    title: str
    icon: str
    url_path: str
    blurb: str

    @property
    def is_home(self) -> bool:
        return not self.url_path


HOME = PageInfo("pages/home.py", "Home", ":material/home:", "", "What the playground is and the data in use.")
TRAIN = PageInfo(
    "pages/train.py",
    "Train",
    ":material/model_training:",
    "train",
    "Build an MLP or a CNN, watch its loss and accuracy live, compare runs.",
)
ERRORS = PageInfo(
    "pages/errors.py",
    "Errors",
    ":material/grid_view:",
    "errors",
    "Confusion matrix, accuracy per digit, and a gallery of the digits a model gets wrong.",
)
DRAW = PageInfo(
    "pages/draw.py",
    "Draw",
    ":material/draw:",
    "draw",
    "Draw a digit and see the prediction, the probabilities and the 28×28 image the model sees.",
)
HANDWRITING = PageInfo(
    "pages/handwriting.py",
    "My handwriting",
    ":material/gesture:",
    "handwriting",
    "The drawings you kept, how every model reads them, and a model taught your own handwriting.",
)
INSIDE = PageInfo(
    "pages/inside.py",
    "Inside",
    ":material/neurology:",
    "inside",
    "Each layer's maps for your drawing, why the model answered, and the training digits it finds alike.",
)
PAGES = (HOME, TRAIN, ERRORS, DRAW, INSIDE, HANDWRITING)
# The pages the home page offers as cards (every page but itself).
CARDS = tuple(page for page in PAGES if page is not HOME)
