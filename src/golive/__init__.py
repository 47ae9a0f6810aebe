"""golive: a Definition of Production as one policy file, carried out."""

__version__ = "0.1.0"
