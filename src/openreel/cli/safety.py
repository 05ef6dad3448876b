"""`openreel safety check "PROMPT" [--project P] [--person-generation dont_allow] [--json]`: what the
prompt stage decides about a text under this machine's policy (OPENREEL_SAFETY_POLICY), with every
layer's findings and the semantic scores, without a server. The decision is in the output: the
exit status is 0 whether the text passes or not (2 for a bad option or policy file).

--json prints one object:
    blocked       bool
    category      the category that blocks it, or null
    support_code  the support code a caller would be told, or null
    reason        the reason a caller would be told, or null
    findings      [{category, action (block|review), layer (rules|semantic), evidence}]
    scores        the semantic layer's similarity per category and to the benign examples ({} without it)
    layers        what checked it (the notes /readyz shows)
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from openreel.cli.exit_codes import reported_errors
from openreel.cli.help_format import Command, Group

safety_app = typer.Typer(cls=Group, help="The content safety filter.", no_args_is_help=True)


@safety_app.command("check", cls=Command, help="What the prompt safety check decides about PROMPT, with its scores.")
def check(
    prompt: Annotated[str, typer.Argument(help="The prompt to check.")],
    project: Annotated[str | None, typer.Option(help="Check under this project's policy overrides.")] = None,
    person_generation: Annotated[str, typer.Option(help="allow_all, allow_adult or dont_allow (which refuses "
                                                        "any person).")] = "allow_adult",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object (keys in `pydoc openreel.cli.safety`).")]
    = False,
) -> None:
    from openreel.cli.data_dir import settings_from
    from openreel.domain.request import PersonGeneration
    from openreel.errors import InvalidArgument
    from openreel.observability.metrics import Metrics
    from openreel.safety.filter import SafetyFilter

    settings = settings_from()
    with reported_errors():
        try:
            people = PersonGeneration(person_generation) is not PersonGeneration.DONT_ALLOW
        except ValueError:
            raise InvalidArgument.for_field("--person-generation", "must be allow_all, allow_adult or dont_allow") \
                from None
        try:
            safety = SafetyFilter.from_settings(settings, Metrics(), frames=False)
        except ValueError as exc:
            raise InvalidArgument(str(exc)) from None
        verdict = safety.verdict(prompt, project, people_allowed=people)
    blocking = verdict.blocking
    findings = [{"category": str(f.category), "action": str(f.action), "layer": f.layer, "evidence": f.evidence}
                for f in verdict.findings]
    report: dict[str, object] = {
        "blocked": blocking is not None,
        "category": str(blocking.category) if blocking else None,
        "support_code": blocking.support_code if blocking else None,
        "reason": blocking.reason if blocking else None,
        "findings": findings,
        "scores": verdict.scores,
        "layers": list(safety.layers.notes),
    }
    if as_json:
        typer.echo(json.dumps(report))
    else:
        typer.echo(f"blocked: {report['category']} ({report['reason']}), support code {report['support_code']}"
                   if blocking else "passes")
        for f in findings:
            typer.echo(f"  {f['action']:<6} {f['category']:<12} {f['layer']:<9} {f['evidence']}")
        if verdict.scores:
            typer.echo("  scores: " + ", ".join(f"{name} {score:.3f}" for name, score in verdict.scores.items()))
        for note in safety.layers.notes:
            typer.echo(f"  ({note})")
