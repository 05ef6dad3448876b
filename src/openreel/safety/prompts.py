"""The prompt stage: one text checked by the rule layer and, where installed, the semantic layer,
under the caller's project policy. What it finds is a Verdict; what to do with it (refuse, log,
count) is the filter's (filter.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from openreel.safety.categories import PEOPLE_NOT_ALLOWED_CODE, Action, Category, reason, support_code
from openreel.safety.normalize import normalized_variants
from openreel.safety.policy import DEFAULT_THRESHOLDS, ProjectPolicy
from openreel.safety.rules import (BUILT_IN_ALLOWED, MINOR_MENTION, PERSON_RULE, PUBLIC_FIGURE_RULE, RULES,
                                   allowed_spans_removed, matching_rules)
from openreel.safety.semantic import LazyClassifier, parts

# The order in which a prompt that falls in several categories is reported: the gravest first.
SEVERITY = (Category.MINORS, Category.SEXUAL, Category.VIOLENCE, Category.DANGEROUS, Category.REAL_PEOPLE)
# How close to some harm (sexual, violent, dangerous) a prompt about a child must read for its minors
# score to count: a checkup at the pediatrician reads near the minors examples, and near no harm.
HARM_SIGNAL = 0.35
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


class PromptChecker:
    def __init__(self, semantic: LazyClassifier | None) -> None:
        self.semantic = semantic  # None: the [safety] extra is not installed, or it is turned off

    def check(self, text: str, policy: ProjectPolicy, people_allowed: bool = True) -> Verdict:
        """Raise ClassifierUnavailable when the semantic layer should run and cannot."""
        if not text.strip():
            return Verdict()
        variants = normalized_variants(text)
        operator_terms = tuple(normalized_variants(term)[0] for term in policy.allow_terms)
        # Minors: only the built-in everyday phrases are set aside, never an operator's terms.
        minors_texts = tuple(allowed_spans_removed(t, BUILT_IN_ALLOWED) for t in variants)
        texts = tuple(allowed_spans_removed(t, operator_terms) for t in minors_texts)
        minor_named = bool(matching_rules(minors_texts, (MINOR_MENTION,)))
        findings: dict[Category, Finding] = {}
        for rule in matching_rules(minors_texts, MINOR_RULES):
            self._add(findings, Finding(Category.MINORS, Action.BLOCK, "rules", rule.name))
        for rule in matching_rules(texts, OTHER_RULES):
            self._add(findings, Finding(rule.category, policy.action(rule.category), "rules", rule.name))
        # A child beside sexual content or violence is the minors category, whatever the project's
        # policy says of those categories and whatever the words (the rules above list many, not all).
        for rule in matching_rules(minors_texts, OTHER_RULES) if minor_named else ():
            if rule.category in (Category.SEXUAL, Category.VIOLENCE):
                self._add(findings, Finding(Category.MINORS, Action.BLOCK, "rules", f"minor-with-{rule.name}"))
        if not people_allowed and matching_rules(texts, (PERSON_RULE, PUBLIC_FIGURE_RULE)):
            self._add(findings, Finding(Category.REAL_PEOPLE, Action.BLOCK, "rules", PERSON_RULE.name,
                                        people_not_allowed=True))
        scores: dict[str, float] = {}
        if self.semantic is not None:
            scores = self._semantic(text, operator_terms, policy, minor_named, findings)
        return Verdict(tuple(findings.values()), scores)

    def _semantic(self, text: str, operator_terms: tuple[str, ...], policy: ProjectPolicy, minor_named: bool,
                  findings: dict[Category, Finding]) -> dict[str, float]:
        assert self.semantic is not None
        classifier = self.semantic.get()
        pieces = [allowed_spans_removed(normalized_variants(part)[-1], BUILT_IN_ALLOWED) for part in parts(text)]
        operator_pieces = [allowed_spans_removed(piece, operator_terms) for piece in pieces]
        result = classifier.scores(operator_pieces)
        # An operator's allowed term never lifts minors: they are scored on the text with it.
        minors_result = result if operator_pieces == pieces else classifier.scores(pieces)
        for category, setting in policy.categories.items():
            if category is Category.MINORS:
                continue
            if setting.action is not Action.OFF and result.flagged(category, setting.threshold):
                self._add(findings, Finding(category, setting.action, "semantic", f"{result.score(category):.3f}"))
        # MiniLM places "a child" near every minors example, harmful or not, and "a sexual video of
        # a child" near "a sexual video": the minors score counts with a child named and some harm
        # in the text, and a child in a prompt that reads as sexual at the default threshold is
        # minors too, whatever the project's policy.
        minors = Category.MINORS
        harm = max(minors_result.score(c) for c in (Category.SEXUAL, Category.VIOLENCE, Category.DANGEROUS))
        if minor_named and ((harm >= HARM_SIGNAL and minors_result.flagged(minors, DEFAULT_THRESHOLDS[minors]))
                            or minors_result.flagged(Category.SEXUAL, DEFAULT_THRESHOLDS[Category.SEXUAL])):
            self._add(findings, Finding(minors, Action.BLOCK, "semantic", f"{minors_result.score(minors):.3f}"))
        return ({str(c): round(result.score(c), 4) for c in Category if c is not minors}
                | {str(minors): round(minors_result.score(minors), 4), "benign": round(result.benign, 4)})

    @staticmethod
    def _add(findings: dict[Category, Finding], finding: Finding) -> None:
        """One finding per category: the first that blocks, else the first found (rules before
        semantics). A block always wins: a public figure let through for review does not lift
        the dont_allow refusal of the same category."""
        earlier = findings.get(finding.category)
        if finding.action is not Action.OFF and (
                earlier is None or (earlier.action is not Action.BLOCK and finding.action is Action.BLOCK)):
            findings[finding.category] = finding
