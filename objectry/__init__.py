"""Objectry: a metadata-driven low-code platform."""

__version__ = "0.1.0"
