"""The kernel: what every runtime call carries and stands on.

``context`` (Context, Tenant, Actor, the RecordHooks protocol), ``storage`` (where a
tenant's tables live), ``ids`` (time-ordered record ids) and ``caches`` (the compiled
model cache). Imports only ``metadata`` and ``permissions``; every other runtime
sub-package may import it.
"""
