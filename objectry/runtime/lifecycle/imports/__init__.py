"""Imports of CSV and XLSX files (issue 16): upload → preview → run in batches.

- ``tables``: the catalog tables: an import and its rows (the rows are the source of
  truth: a run continues from the first row not yet committed, after any crash);
- ``reading``: a file's bytes to a header and rows of text (encodings, XLSX, limits);
- ``mapping``: columns to fields (api_name, label in either language, a saved mapping);
- ``service``: creating an import with its preview, remapping, its status, error file;
- ``jobs``: applying the rows in batches through ``lifecycle.bulk``, under a lease.

May import ``lifecycle.bulk``, ``lifecycle.duplicates``, ``records`` and below.
"""
