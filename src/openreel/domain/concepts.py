"""What an engine says it drew of a prompt: the concepts it rendered and those it could not.

A stand-in renderer (the procedural engine) draws a small world; this account is how a user
tells "the service misread my prompt" from "the engine cannot draw that". Concepts are short
lowercase names ("sunset", "car", "slow pan"), each listed once, in the order the prompt names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ConceptAccount:
    rendered: tuple[str, ...] = ()
    not_rendered: tuple[str, ...] = ()

    def to_json(self) -> dict[str, list[str]]:
        return {"rendered": list(self.rendered), "notRendered": list(self.not_rendered)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConceptAccount:
        return cls(tuple(data.get("rendered", ())), tuple(data.get("notRendered", ())))

    @classmethod
    def merged(cls, accounts: Iterable[ConceptAccount]) -> ConceptAccount:
        """One account for a video made of several parts (a storyboard's scenes): a concept
        rendered in any part was rendered."""
        rendered: dict[str, None] = {}
        missing: dict[str, None] = {}
        for account in accounts:
            rendered.update(dict.fromkeys(account.rendered))
            missing.update(dict.fromkeys(account.not_rendered))
        return cls(tuple(rendered), tuple(name for name in missing if name not in rendered))
