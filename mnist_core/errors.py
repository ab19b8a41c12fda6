"""The exceptions the core raises for problems a user can fix.

Each message says what happened, what was expected and how to fix it, so the
command line and the pages can show it as one sentence without a traceback.
"""


class MnistCoreError(Exception):
    """Base class for every user-facing error of the core."""


class ConfigError(MnistCoreError, ValueError):
    """A configuration field holds a value outside its valid range."""


class DataError(MnistCoreError):
    """A data set file is missing, unreadable or has the wrong layout."""


class ModelFileError(MnistCoreError):
    """A model file is missing, corrupt, unsafe or not an MNIST classifier."""


class ImageFileError(MnistCoreError):
    """An image file cannot be used as a digit drawing."""


class JobError(MnistCoreError):
    """A training job was asked to do something its state does not allow."""


class StoreError(MnistCoreError):
    """The workspace store cannot do what was asked: a limit, a full disk, a bad or unknown workspace."""


QUOTE_LIMIT = 60


def shorten(text: object, limit: int = QUOTE_LIMIT) -> str:
    """`text` as a string of at most `limit` characters, cut with "…" when longer."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """`repr(value)` for a message, shortened: values in messages come from users, links and files."""
    return repr(shorten(value, limit)) if isinstance(value, str) else shorten(repr(value), limit)
