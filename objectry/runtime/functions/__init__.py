"""Tenant functions above the sandbox: metadata, where they run, and their call log.

Entry points other code calls: :func:`validate_record` (as ``ctx.record_hooks`` on
record save), :func:`run_action` (record buttons), :func:`test_function` (admin dry
run), :func:`score` (a scoring dimension) and :func:`call_function` (workflow steps
and scheduled functions, for the automation engine).
"""

from objectry.runtime.functions.actions import call_function, run_action, test_function
from objectry.runtime.functions.call_log import recent_calls
from objectry.runtime.functions.scoring import score
from objectry.runtime.functions.session import (
    FunctionConfig,
    FunctionRuntime,
    FunctionSession,
    TenantFunctions,
)
from objectry.runtime.functions.validation import RecordValidation, validate_record

__all__ = [
    "FunctionConfig", "FunctionRuntime", "FunctionSession", "RecordValidation", "TenantFunctions",
    "call_function", "recent_calls", "run_action", "score", "test_function",
    "validate_record",
]
