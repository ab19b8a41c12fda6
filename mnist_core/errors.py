"""The exceptions the core raises for problems a user can fix.

Each message says what happened, what was expected and how to fix it, so the
command line and the pages can show it as one sentence without a traceback.
A value taken from the user or from a file is quoted through `shorten`.
"""

# A quoted value longer than this (a pasted path, a field of a hostile file)
# would push the rest of the sentence out of sight.
MAX_QUOTED_CHARS = 80


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


class PredictionError(MnistCoreError):
    """A model gave no usable answer (NaN or infinite outputs) for an image."""


class JobError(MnistCoreError):
    """A training job was asked to do something its state does not allow."""


class StoreError(MnistCoreError):
    """The workspace store cannot do what was asked: a limit, a full disk, a bad or unknown workspace."""


def describe_error(error: BaseException) -> str:
    """A non-empty, one-line reason for any exception, for showing where a traceback cannot be.

    The core's own errors are already such sentences; anything else is a bug
    or a broken installation, named by its type.
    """
    if isinstance(error, MnistCoreError) and str(error).strip():
        return shorten(str(error), 4 * MAX_QUOTED_CHARS)
    text = shorten(str(error), 2 * MAX_QUOTED_CHARS).strip()
    detail = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return f"unexpected error ({detail}); the server log has the details."


def shorten(value: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """`value` as one line of at most `limit` characters, for quoting in a message.

    Unprintable characters (a newline in a file name) become "?", and a long
    value keeps its start and its end (where a file name and its suffix are)
    around an ellipsis.
    """
    text = str(value)
    if len(text) > 4 * limit:
        text = text[: 2 * limit] + text[-2 * limit :]
    text = "".join(character if character.isprintable() else "?" for character in text)
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


def quoted(value: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """`repr(value)` for a message, shortened: values in messages come from users, links and files."""
    return repr(shorten(value, limit)) if isinstance(value, str) else shorten(repr(value), limit)
