"""Scoring models at run time: compile a model once per metadata version, score records
in batches, write the score and the threshold values through the records service.

Entry points: :func:`run_model` (many records: the admin run, ``POST
/scoring_models/{name}/run``) and :func:`score_record` (one record: the breakdown read
and the workflow ``score`` step).
"""

from objectry.runtime.scoring.model import ScoringModel, scoring_model
from objectry.runtime.scoring.rescoring import RunRequest, run_model, score_record

__all__ = ["RunRequest", "ScoringModel", "run_model", "score_record", "scoring_model"]
