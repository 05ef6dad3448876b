"""The operator's safety policy (OPENREEL_SAFETY_POLICY, a TOML file): per category, whether a
match blocks the request, is let through and logged for review, or is not checked, and the
semantic layer's threshold; terms to allow; overrides per project; the output check's settings.

    allow_terms = ["naked mole rat"]          # phrases that never count as a match

    [categories.violence]
    action = "review"                          # block (the default) | review | off
    threshold = 0.6                            # the semantic layer's (0-1; higher flags less)

    [projects."film-studio"]                   # applies to this project, over the above
    allow_terms = ["gunfight"]
    [projects."film-studio".categories.violence]
    action = "off"

    [output]
    frames_per_clip = 6                        # frames checked across each video
    nudity_threshold = 0.6                     # the frame classifier's score that withholds it

The minors category is not configurable: a policy that names it is refused at start, and no
allow-list term lifts it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openreel.safety.categories import CATEGORIES, Action, Category

# The semantic layer's thresholds, chosen on half of bench/safety_eval.jsonl (its odd lines) and
# checked on the other half (bench/safety.py reports both). Names of real people are the rule
# layer's work: sentence vectors do not know who is famous, so that threshold only catches
# prompts that describe a public figure's role closely ("the president of the United States").
DEFAULT_THRESHOLDS: dict[Category, float] = {
    Category.SEXUAL: 0.5,
    Category.VIOLENCE: 0.45,
    Category.REAL_PEOPLE: 0.7,
    Category.DANGEROUS: 0.45,
    Category.MINORS: 0.45,
}


@dataclass(frozen=True)
class CategoryRule:
    action: Action
    threshold: float


@dataclass(frozen=True)
class ProjectPolicy:
    """The policy one request is checked under."""

    categories: dict[Category, CategoryRule]
    allow_terms: tuple[str, ...] = ()

    def action(self, category: Category) -> Action:
        return self.categories[category].action


@dataclass(frozen=True)
class SafetyPolicy:
    default: ProjectPolicy
    projects: dict[str, ProjectPolicy] = field(default_factory=dict)
    frames_per_clip: int = 6
    nudity_threshold: float = 0.6

    def for_project(self, project: str | None) -> ProjectPolicy:
        return self.projects.get(project or "", self.default)

    @classmethod
    def default_policy(cls) -> SafetyPolicy:
        return cls(ProjectPolicy({c: CategoryRule(Action.BLOCK, t) for c, t in DEFAULT_THRESHOLDS.items()}))

    @classmethod
    def load(cls, path: Path | None) -> SafetyPolicy:
        """The policy in the file (the defaults without one); ValueError naming the bad key."""
        if path is None:
            return cls.default_policy()
        try:
            raw = _PolicyFile.model_validate(tomllib.loads(path.read_text()))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"OPENREEL_SAFETY_POLICY ({path}) cannot be read: {exc}") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"OPENREEL_SAFETY_POLICY ({path}): '{where}': {first['msg']}") from None
        default = _project(cls.default_policy().default, raw.categories, raw.allow_terms, path, "")
        projects = {name: _project(default, p.categories, default.allow_terms + tuple(p.allow_terms), path,
                                   f"projects.{name}.")
                    for name, p in raw.projects.items()}
        return cls(default, projects, raw.output.frames_per_clip, raw.output.nudity_threshold)


class _CategoryEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Action | None = None
    threshold: float | None = Field(default=None, ge=0, le=1)


class _ProjectEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    categories: dict[Category, _CategoryEntry] = Field(default_factory=dict)
    allow_terms: list[str] = Field(default_factory=list)


class _OutputEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    frames_per_clip: int = Field(default=6, ge=1, le=64)
    nudity_threshold: float = Field(default=0.6, gt=0, le=1)


class _PolicyFile(_ProjectEntry):
    projects: dict[str, _ProjectEntry] = Field(default_factory=dict)
    output: _OutputEntry = Field(default_factory=_OutputEntry)


def _project(base: ProjectPolicy, entries: dict[Category, _CategoryEntry], allow_terms: tuple[str, ...] | list[str],
             path: Path, prefix: str) -> ProjectPolicy:
    categories = dict(base.categories)
    for category, entry in entries.items():
        if not CATEGORIES[category].configurable:
            raise ValueError(f"OPENREEL_SAFETY_POLICY ({path}): '{prefix}categories.{category}': "
                             "this category is always blocked and cannot be configured")
        current = categories[category]
        categories[category] = CategoryRule(entry.action or current.action,
                                            current.threshold if entry.threshold is None else entry.threshold)
    return ProjectPolicy(categories, tuple(dict.fromkeys(term.strip() for term in allow_terms if term.strip())))
