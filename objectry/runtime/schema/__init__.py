"""Applying metadata changes: validate, plan, migrate tables, version.

``metadata_service`` (put, delete, roll back and purge documents of every kind),
``planner`` (the migration plan of an object change, with conversions) and ``sync``
(DDL on a tenant's tables). May import ``functions``, ``records`` and everything below;
nothing in the runtime imports it except the platform.
"""
