"""The base of an engine's catalog options: checked when the engine is built, so that a typo or
a missing key is a FAILED_PRECONDITION naming the setting, not a failure mid-job."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError


class EngineOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)  # an unknown key is a typo
    engine: ClassVar[str]  # how messages name these options, e.g. "upstream"

    @classmethod
    def parse(cls, options: dict[str, Any]) -> Self:
        """The options, or ValueError naming every problem at once."""
        try:
            return cls.model_validate(options)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"{cls.engine} options: {problems}") from None
