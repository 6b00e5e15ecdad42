"""``OrderState.is_terminal`` is a plain attribute of each member, set from ``TERMINAL_STATES``;
the terminal states are exactly those no transition leads out of."""

from __future__ import annotations

import pickle

from kistrade.domain.orders import TERMINAL_STATES, TRANSITIONS, OrderState


def test_is_terminal_is_membership_in_terminal_states() -> None:
    for state in OrderState:
        assert state.is_terminal is (state in TERMINAL_STATES)
        assert state.is_terminal is (not TRANSITIONS[state])
        assert OrderState(state.value).is_terminal is state.is_terminal
        assert pickle.loads(pickle.dumps(state)).is_terminal is state.is_terminal
    assert {s for s in OrderState if s.is_terminal} == {
        OrderState.FILLED,
        OrderState.CANCELLED,
        OrderState.REJECTED,
        OrderState.EXPIRED,
    }
    assert "is_terminal" not in OrderState.__members__
