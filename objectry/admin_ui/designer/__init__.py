"""The administrators' designers: friendlier editors of the metadata documents the API
accepts (objects and fields, people), written through the same metadata service.

- ``blueprint``: the ``designer`` blueprint under ``/app/design``, admin-only.
- ``documents``: preview (the service's ``dry_run`` plan) and apply of any document.
- ``field_forms``: a field's form generated from its type's JSON Schema, and back.
- ``objects``: list, create, fields (add, edit, reorder, hide, restore, purge), JSON.
- ``people``: users (invite, roles, department, deactivate) and API tokens.
"""
