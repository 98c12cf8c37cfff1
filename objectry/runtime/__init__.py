"""The runtime: metadata at work on a tenant's data.

Sub-packages, top to bottom (import-linter holds each to import only those below it):

- ``automation``, ``scoring``, ``schema``: workflows and their engine, scoring models,
  applying metadata changes;
- ``functions``: tenant functions in the sandbox, their call log and validation hooks;
- ``records``: the records service, the one path to tenant data, and its journal;
- ``access``: the Guard (decisions, visibility, presentation), grants, explain;
- ``query``: the condition language compiled to SQL and Python, pagination;
- ``model``: compiled objects, rows, serialization;
- ``kernel``: the context every call carries, storage names, ids, caches.

New domain engines (assignment, pools, conversion, duplicates, imports, roll-ups) are
each a sibling sub-package on top of ``records``: they read and write through the
records service, never around it.
"""
