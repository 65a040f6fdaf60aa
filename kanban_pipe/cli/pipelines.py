"""`kanban-pipe pipelines`: list, add, rename and remove pipelines, and move a deal into
another one."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from kanban_pipe.cli import output as out
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.store import PipelineStore

PIPELINE_HELP = "a pipeline's name, key or number"


def register(commands: Any, sub: Callable[..., Any]) -> None:
    """Add `pipelines` and its actions to the parser's subcommand group."""
    pipelines = sub(commands, "pipelines", cmd_pipelines,
                    "list pipelines (each with its own stages), or add, rename or remove one")
    pipelines.add_argument("--json", action="store_true", help="JSON for scripts")
    actions = pipelines.add_subparsers(dest="pipelines_command", metavar="ACTION")
    adding = sub(actions, "add", cmd_pipelines, "add a pipeline")
    adding.add_argument("name", nargs="+", metavar="NAME")
    adding.add_argument("--stages", metavar="NAMES",
                        help='its open stages, comma-separated ("Lead,Demo,Negotiation"; a '
                             "won stage ends them); default: a copy of the first pipeline's")
    adding.add_argument("--like", metavar="PIPELINE",
                        help="copy this pipeline's stages (milestones, probabilities, limits)")
    renaming = sub(actions, "rename", cmd_pipelines, "rename a pipeline (its key stays)")
    renaming.add_argument("ref", metavar="PIPELINE", help=PIPELINE_HELP)
    renaming.add_argument("name", nargs="+", metavar="NAME")
    removing = sub(actions, "remove", cmd_pipelines,
                   "remove a pipeline and its stages (refused while it holds deals)")
    removing.add_argument("ref", metavar="PIPELINE", help=PIPELINE_HELP)
    removing.add_argument("--move-to", metavar="PIPELINE",
                          help="move its deals into this pipeline first (each move logged)")
    moving = sub(actions, "move", cmd_pipelines, "move a deal into another pipeline")
    moving.add_argument("id", type=int, metavar="ID", help="deal id, e.g. 12")
    moving.add_argument("target", metavar="PIPELINE", help=PIPELINE_HELP)
    moving.add_argument("--stage", metavar="STAGE",
                        help="its stage there (default: the stage of the same name, else "
                             "the first)")


def cmd_pipelines(store: PipelineStore, args: argparse.Namespace) -> str:
    """List the pipelines, or add, rename or remove one, or move a deal between them."""
    action = getattr(args, "pipelines_command", None)
    if action == "add":
        names = [n for n in (args.stages or "").split(",") if n.strip()]
        if args.stages is not None and not names:
            raise InvalidInputError("--stages needs at least one stage name")
        pipeline = store.add_pipeline(" ".join(args.name), stages=names, like=args.like)
        stages = ", ".join(s.name for s in store.stages_of(pipeline.key))
        return (f"added pipeline {out.safe(pipeline.name)} ({pipeline.key}): "
                f"{out.safe(stages)}")
    if action == "rename":
        old = store.find_pipeline(args.ref)
        pipeline = store.rename_pipeline(args.ref, " ".join(args.name))
        return f"renamed pipeline {out.safe(old.name)} to {out.safe(pipeline.name)}"
    if action == "remove":
        old = store.find_pipeline(args.ref)
        moved = store.remove_pipeline(args.ref, move_to=args.move_to)
        into = f"; moved {moved} deal(s) to {out.safe(store.find_pipeline(args.move_to).name)}" \
            if moved else ""
        return f"removed pipeline {out.safe(old.name)}{into}"
    if action == "move":
        deal = store.move_to_pipeline(args.id, args.target, stage=args.stage)
        pipeline = store.find_pipeline(deal.pipeline)
        stage = next(s for s in store.stages_of(deal.pipeline) if s.key == deal.stage)
        return (f"#{deal.id} {out.safe(deal.title)} → {out.safe(pipeline.name)} · "
                f"{out.safe(stage.name)}")
    counts = store.pipeline_counts(today=store.today())
    pipelines = store.pipelines()
    if getattr(args, "json", False):
        return out.safe_json([{"key": p.key, "name": p.name, "position": p.position,
                               "open_deals": counts.get(p.key, 0),
                               "stages": [s.name for s in store.stages_of(p.key)]}
                              for p in pipelines])
    rows = [[str(p.position), out.safe(p.name), p.key, str(counts.get(p.key, 0)),
             out.safe(" → ".join(s.name for s in store.stages_of(p.key)))] for p in pipelines]
    return out.render_table(("#", "PIPELINE", "KEY", "OPEN", "STAGES"), rows, frozenset({3}))
