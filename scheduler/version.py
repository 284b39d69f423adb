"""The package's version, in a module of its own so any stage may name it without the package."""

__version__ = "0.1.0"
