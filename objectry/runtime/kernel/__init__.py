"""The kernel: what every runtime call carries and stands on.

``context`` (Context, Tenant, Actor, the RecordHooks protocol), ``storage`` (where a
tenant's tables live), ``ids`` (time-ordered record ids), ``caches`` (the compiled
model cache) and ``quick_read`` (a one-row catalog read on SQLite's DBAPI
connection). Imports only ``metadata`` and ``permissions``; every other runtime
sub-package may import it.
"""
