"""User-facing message catalogs in zh-CN and en, one module per area.

``catalog`` merges them into ``MESSAGES``, which ``metadata.i18n`` renders.
"""
