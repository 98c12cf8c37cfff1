"""Definitions, their JSON Schemas, the field-type registry, validation and the store.

This layer imports nothing else of Objectry: every other layer builds on it.
"""
