"""The browser UI: the end-user app (``app/``) and, later, the admin designers.

Sits below ``platform`` and above ``packs``/``runtime`` (import-linter contract 1): the
platform's app factory calls ``admin_ui.web.init_app`` with its services, which this
package sees only through the ``host.UiHost`` protocol it owns.
"""
