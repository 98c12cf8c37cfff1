"""Scoring with a function: one sandbox call per batch of records, never one per record.

The function gets ``params["records"]`` (a batch of plain records) and returns one
score per record, in order: a number or any plain value the caller understands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from objectry.runtime.functions import runner
from objectry.runtime.functions.errors import problem_for
from objectry.runtime.functions.values import to_plain
from objectry.runtime.kernel.context import Context

SCORING_PURPOSES = ("scoring",)
NOT_ONE_PER_RECORD = "function_scores_mismatch"


def score(ctx: Context, function: str, records: Sequence[Any], *,
          batch_size: int | None = None) -> list[Any]:
    """The function's score for each record, in order; a failed batch raises its problem."""
    definition = runner.find(ctx, function, SCORING_PURPOSES)
    size = batch_size or runner.session_of(ctx).runtime.config.batch_size
    scores: list[Any] = []
    for start in range(0, len(records), size):
        batch = [to_plain(r) for r in records[start:start + size]]
        result = runner.run(ctx, runner.Call(definition, "scoring", {},
                                             {"records": batch, "offset": start}))
        if not result.ok:
            raise problem_for(function, result.error or {})
        values = result.result
        if not isinstance(values, list) or len(values) != len(batch):
            got = len(values) if isinstance(values, list) else type(values).__name__
            raise problem_for(function, {"code": NOT_ONE_PER_RECORD, "line": None,
                                         "expected": len(batch), "got": got,
                                         "message": ""})
        scores += values
    return scores
