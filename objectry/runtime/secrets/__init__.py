"""The tenant's secret store: named values encrypted at rest, filled in at send time.

``secret_tables`` holds the catalog table, ``store`` writes, lists and reads the values
(encrypted with a key derived from the installation key), ``placeholders`` finds and
fills ``{{secret.name}}`` in a URL or header just before a request leaves. A value is
never returned by an API, nor written to history, run steps or call logs. May import
``kernel`` and ``metadata`` only; ``automation`` and ``functions`` use it.
"""
