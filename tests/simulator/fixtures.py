"""pytest fixtures over the launcher: import the ones a suite needs into its ``conftest.py`` or test module.

``launch_simulator`` starts simulators inside one test (each stops when the test ends); ``simulator_fixture`` makes
a fixture of a wider scope with fixed settings::

    from tests.simulator.fixtures import launch_simulator, simulator_fixture
    simulator = simulator_fixture(scope="module", scenario="integration", time_scale=30)
"""

import pytest

from tests.simulator.launcher import running, start


@pytest.fixture()
def launch_simulator():
    """``launch_simulator(args=(), **settings)`` starts one more simulator (``launcher.start``) for this test."""
    started = []

    def launch(args=(), **settings):
        simulator = start(args, **settings)
        started.append(simulator)
        return simulator

    yield launch
    for simulator in started:
        simulator.stop()


def simulator_fixture(scope="module", **settings):
    """A fixture of this scope that yields one simulator started with these ``launcher.start`` settings."""

    @pytest.fixture(scope=scope)
    def simulator():
        with running(**settings) as started:
            yield started

    return simulator
