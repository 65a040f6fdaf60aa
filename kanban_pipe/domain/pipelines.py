"""Pipelines: finding one by what a user types, and naming the stages of a new one."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kanban_pipe.domain.errors import InvalidInputError, NotFoundError
from kanban_pipe.domain.models import Pipeline

# What `--pipeline` takes for every pipeline together.
ALL_PIPELINES = "all"


def find_pipeline(pipelines: Sequence[Pipeline], ref: str) -> Pipeline:
    """The pipeline named by key, name (case-insensitive), the start of one name, or
    1-based number."""
    wanted = ref.strip().lower()
    for pipeline in pipelines:
        if pipeline.key == wanted or pipeline.name.lower() == wanted:
            return pipeline
    if wanted.isdigit() and 1 <= int(wanted) <= len(pipelines):
        return pipelines[int(wanted) - 1]
    # The start of one name is enough ("partner" for "Partner deals").
    starting = [p for p in pipelines if wanted and p.name.lower().startswith(wanted)]
    if len(starting) == 1:
        return starting[0]
    known = ", ".join(p.name for p in pipelines)
    raise NotFoundError(f"no pipeline {ref!r}; pipelines are: {known}")


def pipeline_key_from_name(name: str) -> str:
    """A shell-friendly key for a pipeline name ("Partner deals" -> "partner_deals"; one
    without a leading letter, "2027 deals" -> "pipeline_2027_deals", or none, "pipeline")."""
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")[:32]
    if not key or not key[0].isalpha():
        key = f"pipeline_{key}".strip("_")[:32]
    return key


def check_pipeline_name(name: str, pipelines: Sequence[Pipeline], *,
                        keep: str | None = None) -> None:
    """Refuse a name another pipeline has (`keep`: the key of the one being renamed), or
    the word that means every pipeline."""
    if name.strip().lower() == ALL_PIPELINES:
        raise InvalidInputError(f"{name!r} means every pipeline: choose another name")
    if any(p.key != keep and p.name.lower() == name.strip().lower() for p in pipelines):
        raise InvalidInputError(f"a pipeline {name.strip()!r} already exists")
