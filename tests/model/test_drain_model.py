"""The drain model: the drain as the pipeline defines it has no violation; each deliberately broken rule is caught."""

import pytest

from tests.model.drain_model import BROKEN, explore


def test_the_drain_holds_every_invariant_over_every_interleaving():
    figures, violation = explore()
    assert violation is None, '%s after: %s' % violation
    # Every initial set of sessions under each policy, with log-ons, logoffs, session changes, time and a kill.
    assert figures['states'] > 5000 and figures['terminal'] > 1000


@pytest.mark.parametrize('broken, invariant', [('eager', 'early-logoff'), ('ageless', 'young-logoff'),
                                               ('greedy', 'active-logged-off')])
def test_a_broken_drain_rule_is_caught(broken, invariant):
    _figures, violation = explore(BROKEN[broken])
    assert violation is not None and violation[0].invariant == invariant
