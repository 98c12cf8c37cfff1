"""Compiled objects: metadata turned into a table, schemas and field facts.

``compiled`` (ObjectModel, get_model, columns and indexes of a field), ``rows`` (loading
one stored row), ``serialize`` (stored values to API JSON) and ``hidden_fields`` (the
catalog table of removed fields). May import ``kernel``, ``metadata`` and
``permissions`` only.
"""
