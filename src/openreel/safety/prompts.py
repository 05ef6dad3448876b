"""The prompt stage: one text checked by the rule layer and, where installed, the semantic layer,
under the caller's project policy. What it finds is a Verdict; what to do with it (refuse, log,
count) is the filter's (filter.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from openreel.safety.categories import PEOPLE_NOT_ALLOWED_CODE, Category, reason, support_code
from openreel.safety.normalize import normalized_variants
from openreel.safety.policy import Action, ProjectPolicy
from openreel.safety.rules import (BUILT_IN_ALLOWED, MINOR_MENTION, PERSON_RULE, RULES, allowed_spans_removed,
                                   matching_rules)
from openreel.safety.semantic import LazyClassifier

# The order in which a prompt that falls in several categories is reported: the gravest first.
SEVERITY = (Category.MINORS, Category.SEXUAL, Category.VIOLENCE, Category.DANGEROUS, Category.REAL_PEOPLE)
MINOR_RULES = tuple(rule for rule in RULES if rule.category is Category.MINORS)
OTHER_RULES = tuple(rule for rule in RULES if rule.category is not Category.MINORS)


@dataclass(frozen=True)
class Finding:
    category: Category
    action: Action
    layer: str     # "rules", "semantic" or "frames"
    evidence: str  # the rule's name or the score: for the review log and the CLI, never the caller
    people_not_allowed: bool = False  # a person in a request whose personGeneration is dont_allow

    @property
    def support_code(self) -> str:
        return PEOPLE_NOT_ALLOWED_CODE if self.people_not_allowed else support_code(self.category)

    @property
    def reason(self) -> str:
        return "people, which this request's personGeneration (dont_allow) excludes" if self.people_not_allowed \
            else reason(self.category)


@dataclass(frozen=True)
class Verdict:
    findings: tuple[Finding, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)  # the semantic layer's, when it ran

    @property
    def blocking(self) -> Finding | None:
        """The finding that refuses the request: the gravest one whose action is block."""
        blocks = [f for f in self.findings if f.action is Action.BLOCK]
        return min(blocks, key=lambda f: SEVERITY.index(f.category)) if blocks else None

    @property
    def reviews(self) -> list[Finding]:
        return [f for f in self.findings if f.action is Action.REVIEW]


class PromptChecker:
    def __init__(self, semantic: LazyClassifier | None) -> None:
        self.semantic = semantic  # None: the [safety] extra is not installed, or it is turned off

    def check(self, text: str, policy: ProjectPolicy, people_allowed: bool = True) -> Verdict:
        if not text.strip():
            return Verdict()
        variants = normalized_variants(text)
        operator_terms = tuple(normalized_variants(term)[0] for term in policy.allow_terms)
        # Minors: only the built-in everyday phrases are set aside, never an operator's terms.
        minors_texts = tuple(allowed_spans_removed(t, BUILT_IN_ALLOWED) for t in variants)
        texts = tuple(allowed_spans_removed(t, operator_terms) for t in minors_texts)
        findings: dict[Category, Finding] = {}
        for rule in matching_rules(minors_texts, MINOR_RULES):
            self._add(findings, Finding(Category.MINORS, Action.BLOCK, "rules", rule.name))
        for rule in matching_rules(texts, OTHER_RULES):
            self._add(findings, Finding(rule.category, policy.action(rule.category), "rules", rule.name))
        if not people_allowed and matching_rules(texts, (PERSON_RULE,)):
            self._add(findings, Finding(Category.REAL_PEOPLE, Action.BLOCK, "rules", PERSON_RULE.name,
                                        people_not_allowed=True))
        scores: dict[str, float] = {}
        if self.semantic is not None:
            classifier = self.semantic.get()
            result = classifier.scores(texts[-1])
            if texts != minors_texts:  # an operator's term was set aside: minors are scored without that
                result.by_category[Category.MINORS] = classifier.scores(minors_texts[-1]).by_category[Category.MINORS]
            scores = {str(c): round(s, 4) for c, s in result.by_category.items()} | {"benign": round(result.benign, 4)}
            # MiniLM places "a sexual video of a child" and "a sexual video" close together: the
            # minors score says which harm, a named child says it is about a minor.
            minor_named = bool(matching_rules(minors_texts, (MINOR_MENTION,)))
            for category, setting in policy.categories.items():
                action = Action.BLOCK if category is Category.MINORS else setting.action
                if category is Category.MINORS and not minor_named:
                    continue
                if action is not Action.OFF and result.flagged(category, setting.threshold):
                    self._add(findings, Finding(category, action, "semantic", f"{result.by_category[category]:.3f}"))
        return Verdict(tuple(findings.values()), scores)

    @staticmethod
    def _add(findings: dict[Category, Finding], finding: Finding) -> None:
        """One finding per category: the first layer's (rules before semantics)."""
        if finding.action is not Action.OFF:
            findings.setdefault(finding.category, finding)
