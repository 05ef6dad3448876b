"""The lifecycle table: legal moves pass, every other move raises, terminal states are final."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from openreel.domain.operation import (ACTIVE_STATES, ALLOWED_TRANSITIONS, TERMINAL_STATES, IllegalTransition,
                                       OperationState, transition)


@pytest.mark.parametrize("current", list(OperationState))
@pytest.mark.parametrize("target", list(OperationState))
def test_transition_allows_exactly_the_table(current: OperationState, target: OperationState) -> None:
    if target in ALLOWED_TRANSITIONS[current]:
        assert transition(current, target) is target
    else:
        with pytest.raises(IllegalTransition):
            transition(current, target)


def test_states_are_either_active_or_terminal() -> None:
    assert ACTIVE_STATES | TERMINAL_STATES == set(OperationState)
    assert not ACTIVE_STATES & TERMINAL_STATES
    assert all(not ALLOWED_TRANSITIONS[s] for s in TERMINAL_STATES)


class Lifecycle(RuleBasedStateMachine):
    """Random walks: once terminal, an operation never moves again; it can always be cancelled
    while active."""

    def __init__(self) -> None:
        super().__init__()
        self.state = OperationState.QUEUED
        self.finished_as: OperationState | None = None

    @rule(next_state=st.sampled_from(list(OperationState)))
    def move(self, next_state: OperationState) -> None:
        try:
            self.state = transition(self.state, next_state)
        except IllegalTransition:
            assert next_state not in ALLOWED_TRANSITIONS[self.state]
        if self.state.is_terminal and self.finished_as is None:
            self.finished_as = self.state

    @invariant()
    def terminal_is_final(self) -> None:
        if self.finished_as is not None:
            assert self.state is self.finished_as

    @invariant()
    def active_can_be_cancelled(self) -> None:
        if self.state in ACTIVE_STATES:
            assert OperationState.CANCELLED in ALLOWED_TRANSITIONS[self.state]


TestLifecycle = Lifecycle.TestCase
