"""Typer command and group classes whose --help shows no value type for flags.

Typer labels every option with its type, so `--help`, `--audio/--no-audio` and `--full`, which
take no value, read `--help <bool>` as if they wanted one. Every command and group of the CLI
uses these classes; tests/cli checks every --help screen for the artefact."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer.core

if TYPE_CHECKING:  # typer vendors click from 0.2x on; older releases use click itself
    from typer._click import Context, Parameter


def _without_flag_types(params: list[Parameter]) -> list[Parameter]:
    for param in params:
        if isinstance(param, typer.core.TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""  # an empty metavar is what the help screen prints instead of <bool>
    return params


class Command(typer.core.TyperCommand):
    def get_params(self, ctx: Context) -> list[Parameter]:
        return _without_flag_types(super().get_params(ctx))


class Group(typer.core.TyperGroup):
    def get_params(self, ctx: Context) -> list[Parameter]:
        return _without_flag_types(super().get_params(ctx))
