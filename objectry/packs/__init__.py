"""Industry packs: metadata plus data, never code outside the sandbox.

A pack is a directory or a ``.opack`` zip: ``pack.json`` (the manifest), one JSON
document per definition, functions as ``.py``, sample data as CSV and SOP Markdown in
zh-CN and en. ``archive`` reads the files (with zip limits), ``manifest`` and ``content``
understand them, ``lint`` checks them, ``signing`` and ``trust`` decide whether to
believe them, ``install`` plans and applies them on a tenant through the metadata
service. This package sits above ``runtime`` and below ``admin_ui``/``platform``; it
never imports flask.
"""
