"""Roles, field groups, data scopes and distribution grants decided by Casbin (issue 3)."""
