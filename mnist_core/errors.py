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
