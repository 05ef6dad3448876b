"""The safety vocabulary: the seed guide's categories, each with the stable support code and the
short, deliberately vague reason a caller is told (never the words that matched); the stages a
check runs at; the actions a policy takes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    SEXUAL = "sexual"
    VIOLENCE = "violence"
    REAL_PEOPLE = "real_people"
    DANGEROUS = "dangerous"
    MINORS = "minors"


class Action(StrEnum):
    """What a policy does with a finding."""

    BLOCK = "block"
    REVIEW = "review"  # let through, logged for review and counted
    OFF = "off"


class Stage(StrEnum):
    PROMPT = "prompt"  # the text of a create call, before anything is queued
    INPUT = "input"    # an image a create call sends (image-to-video, last frame, references)
    OUTPUT = "output"  # frames of a generated video, before it is stored


@dataclass(frozen=True)
class CategoryInfo:
    support_code: str  # eight digits, as Vertex writes them; stable across releases: callers file tickets with it
    reason: str        # what the caller reads
    configurable: bool = True


CATEGORIES: dict[Category, CategoryInfo] = {
    Category.SEXUAL: CategoryInfo("58061214", "sexual content"),
    Category.VIOLENCE: CategoryInfo("17301594", "graphic violence"),
    Category.REAL_PEOPLE: CategoryInfo("29310472", "depictions of real or identifiable people"),
    Category.DANGEROUS: CategoryInfo("62263041", "dangerous or harmful content"),
    # Never configurable: no policy, project override or allow-list term turns it off.
    Category.MINORS: CategoryInfo("90789179", "content involving minors", configurable=False),
}

# People at all, for a request whose personGeneration is dont_allow: its own code, so a caller can
# tell "this model run may not show people" from "this person may not be shown".
PEOPLE_NOT_ALLOWED_CODE = "39322892"


def support_code(category: Category) -> str:
    return CATEGORIES[category].support_code


def reason(category: Category) -> str:
    return CATEGORIES[category].reason
