"""The condition language: one JSON tree for filters, scopes, rules and workflow conditions.

``parser`` (parse_condition, the Node tree, condition_errors), ``nodes`` (the node
types), ``leaves`` (comparisons), ``related`` (conditions on related records) and
``text`` (text folding shared by both compilers). Pure metadata: no SQL, no runtime.
"""
