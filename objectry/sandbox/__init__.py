"""Tenant functions in RestrictedPython with hard limits (issue 5).

The runtime compiles a function's source once per version (:class:`FunctionCache`),
runs it in a :class:`SandboxPool` of worker processes with a :class:`Host` that serves
the platform API in the caller's transaction, and gets a :class:`CallResult` back.
"""

from objectry.sandbox.compiler import (
    CompiledFunction,
    FunctionCache,
    FunctionKey,
    compile_function,
    compile_source,
)
from objectry.sandbox.governor import LIMIT_NAMES, LimitExceeded, Limits
from objectry.sandbox.host import HOST_CALLS, Host, HostError
from objectry.sandbox.plain import NotPlainData
from objectry.sandbox.pool import PoolConfig, PoolStats, SandboxPool, SandboxUnavailable
from objectry.sandbox.result import ERROR_CODES, CallResult

__all__ = [
    "ERROR_CODES", "HOST_CALLS", "LIMIT_NAMES", "CallResult", "CompiledFunction",
    "FunctionCache", "FunctionKey", "Host", "HostError", "LimitExceeded", "Limits",
    "NotPlainData", "PoolConfig", "PoolStats", "SandboxPool", "SandboxUnavailable",
    "compile_function", "compile_source",
]
