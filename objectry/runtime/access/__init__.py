"""Who may see and do what: access decided in one place for every path.

``guard`` holds the per-object Guard the records service asks; it composes
``decisions`` (roles, the Casbin enforcer, access maps), ``visibility`` (data scope and
grant SQL, page selection, loading a visible row) and ``presentation`` (hidden and
masked fields, what may be filtered, sorted and written) and ``effective`` (a field's
value as filters and sorts may test it in each row, as SQL). Beside it: ``filter_sources``
(what a caller's filter may reach), ``grants`` (distribution grants), ``explain`` (why a
user can or cannot), ``people`` (actors from users) and ``metadata_access`` (who
may read which metadata). May import ``query``, ``model``,
``kernel``, ``metadata`` and ``permissions``; never ``records`` or anything above it.
"""
