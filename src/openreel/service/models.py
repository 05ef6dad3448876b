"""What `GET models` and `openreel models` show of each catalog entry: its engine, what it can make
and its license notice, or why it cannot serve on this server right now."""

from __future__ import annotations

from dataclasses import dataclass

from openreel.engines.capabilities import Capabilities
from openreel.engines.catalog import Catalog, ModelSpec
from openreel.engines.registry import EngineRegistry
from openreel.errors import FailedPrecondition


@dataclass(frozen=True)
class ModelInfo:
    spec: ModelSpec
    capabilities: Capabilities | None  # None when it cannot serve
    unavailable: str | None = None  # why not, e.g. "weights for Wan-AI/... are not in the Hugging Face cache"


class ModelService:
    def __init__(self, catalog: Catalog, engines: EngineRegistry) -> None:
        self.catalog, self.engines = catalog, engines

    def get(self, model_id: str) -> ModelInfo:
        return self._info(self.catalog.get(model_id))

    def all(self) -> list[ModelInfo]:
        return [self._info(spec) for spec in self.catalog.all()]

    def _info(self, spec: ModelSpec) -> ModelInfo:
        try:
            return ModelInfo(spec, self.engines.capabilities(spec))
        except FailedPrecondition as exc:
            return ModelInfo(spec, None, exc.message)
