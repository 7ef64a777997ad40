"""The fence model: the protocol as the pipeline defines it has no violation; each broken variant is caught."""

import pytest

from tests.model.fence_model import Config, explore, rules, swapped


def test_the_protocol_holds_every_invariant_over_every_interleaving():
    figures, violation = explore(Config(machines=2, runs=2))
    assert violation is None, '%s after: %s' % violation
    # Faults, kills, administrators, log-ons and a second run: many states, each terminal one followed by a clean run.
    assert figures['states'] > 100000 and figures['terminal'] > 5000


@pytest.mark.parametrize('swapped_steps', ['fence', 'lift'])
def test_swapping_the_two_writes_of_a_fence_or_a_lift_is_caught(swapped_steps):
    steps = dict(fence_steps=rules.MARKED_FENCE_STEPS, lift_steps=rules.MARKED_LIFT_STEPS)
    steps[swapped_steps + '_steps'] = swapped(steps[swapped_steps + '_steps'])
    _figures, violation = explore(Config(machines=1, runs=2, **steps))
    assert violation is not None and violation[0].invariant == 'undocumented-state'
    # What the undocumented state leads to: an administrator's maintenance lifted by a later run.
    _figures, violation = explore(Config(machines=1, runs=2, check_states=False, **steps))
    assert violation is not None and violation[0].invariant == 'lifted-maintenance'


@pytest.mark.parametrize('unmarked', ['fence', 'lift'])
def test_writes_without_the_run_s_mark_first_are_caught(unmarked):
    """Without the mark, a run killed between two writes leaves maintenance mode that no later run reports."""
    steps = dict(fence_steps=rules.MARKED_FENCE_STEPS, lift_steps=rules.MARKED_LIFT_STEPS)
    steps[unmarked + '_steps'] = steps[unmarked + '_steps'][1:]
    _figures, violation = explore(Config(machines=1, runs=2, faults=0, admin=0, logons=0, **steps))
    assert violation is not None and violation[0].invariant == 'unreported-maintenance'


def test_two_runs_without_the_lock_are_caught():
    _figures, violation = explore(Config(machines=2, runs=2, use_lock=False, faults=0, kills=0, admin=0, logons=0))
    assert violation is not None and violation[0].invariant == 'cap'
