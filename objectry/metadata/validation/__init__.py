"""Validation of metadata documents before they are stored.

``objects`` (objects and layouts, and the JSON Schema loader), ``access`` (roles,
access policies, departments), ``scoring`` (scoring models) and ``workflows``.
"""
