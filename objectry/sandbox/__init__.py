"""Tenant functions in RestrictedPython with hard limits (issue 5)."""
