"""An explicit-state model of the drain (warn, wait until empty, log off by policy, reboot), explored exhaustively.

The model drives the pipeline's own rules: the fence's step order and meaning from plugins/module_utils/_machine.py
(FENCE_STEPS, LIFT_STEPS, fence_state, fence_steps_to_send, reboot_skip_reason with and without `drain`), and the
drain's from plugins/module_utils/_drain.py (DrainPolicy: when a warning or the deadline is due, what the policy logs
off). Changing one of them changes what is checked.

One run (so without the run lock and its marks, which the fence model covers: FENCE_STEPS and LIFT_STEPS) drains
one machine, from every initial set of sessions (none; active; disconnected for less or more than
the policy's age; active and stale together) under each logoff policy (none, disconnected, all). Between any two
steps of the run: a user logs on (where the machine accepts one: not in maintenance mode), a user logs off, an active
session disconnects, a disconnected one reconnects, a disconnected session grows older than the policy's age, time
passes to the next warning or the deadline, and the run is killed. Each terminal state is followed by a clean run
(same policy, nobody acting) to its end.

Invariants (a violation is reported with the steps that led to it):
- active-logged-off: no active session is logged off unless the policy is `all`;
- early-logoff: no session is logged off before the deadline, after the last warning;
- young-logoff: with `disconnected`, no session is logged off that is not disconnected for more than the age;
- rebooted-with-session: no reboot is carried out on a machine with a session;
- fence-left: after the clean run, the machine carries no fence tag (a run killed between the lift's two writes
  leaves maintenance mode without the tag, the documented state that no run touches).

Two facts the model takes from the API: a logoff has no condition, so a user who reconnects in the moment between
the run's read of the sessions and its logoff (one step here) is logged off as the read showed; and maintenance mode
stops new log-ons, not reconnections to a session the machine already has.

Run it: python3 -m tests.model.drain_model [--broken eager|ageless|greedy]
"""

import argparse
import datetime
import importlib
import sys
import time
from collections import namedtuple

from tests.model.fence_model import NOW, TAG, Violation, apply_step, rules

drain = importlib.import_module('ansible_collections.citrix_cloud.daas.plugins.module_utils._drain')

# The drain's schedule in the model: warnings at 0, 60 and 120 s, the deadline at 180 s; the age is 60 minutes.
MINUTES = dict(warning_minutes=3, warning_interval_minutes=1, warning_count=3, logoff_disconnected_minutes=60)
POLICIES = drain.LOGOFF_POLICIES
# Sessions: 'active', 'young' (disconnected for less than the age) or 'stale' (for more).
INITIAL_SESSIONS = ((), ('active',), ('young',), ('stale',), ('active', 'stale'))

# The machine: maintenance mode and who set it, the fence tag, its sessions, power ('up', 'down'), a reboot pending.
Machine = namedtuple('Machine', 'mm owner tag sessions power pending')
# The run: its status and phase, the steps still to send, when its drain began (None: not draining), the warnings
# sent, and the pipeline's clock.
Run = namedtuple('Run', 'status phase steps started warnings clock')
State = namedtuple('State', 'machine run policy logons logoffs moves kills')


class BrokenEager(drain.DrainPolicy):
    """A broken rule: the deadline's logoff comes with the first warning."""

    def next_step(self, started, now, warnings_sent):
        step = super(BrokenEager, self).next_step(started, now, warnings_sent)
        return drain.DEADLINE if step == drain.WAIT and warnings_sent >= 1 else step


class BrokenAgeless(drain.DrainPolicy):
    """A broken rule: every disconnected session counts as stale, whatever its age."""

    def stale(self, session, now):
        return session.get('State') == 'Disconnected'


class BrokenGreedy(drain.DrainPolicy):
    """A broken rule: `disconnected` logs off active sessions too."""

    def to_log_off(self, sessions, now):
        return list(sessions) if self.logoff == drain.LOGOFF_DISCONNECTED else \
            super(BrokenGreedy, self).to_log_off(sessions, now)


BROKEN = dict(eager=BrokenEager, ageless=BrokenAgeless, greedy=BrokenGreedy)


def session_view(number, kind):
    """A session as Sessions/$search shows it (the properties the rules read)."""
    minutes = dict(active=5, young=MINUTES['logoff_disconnected_minutes'] - 1,
                   stale=MINUTES['logoff_disconnected_minutes'] + 1)[kind]
    return {'Id': 's%d' % number, 'State': 'Active' if kind == 'active' else 'Disconnected',
            'FormattedStateChangeTime': (NOW - datetime.timedelta(minutes=minutes)).strftime('%Y-%m-%dT%H:%M:%SZ'),
            'User': {'SamName': 'D\\u%d' % number}, 'Machine': {'Id': 'm'}}


def machine_view(machine):
    """The machine as a read of the API shows it."""
    return {'Id': 'm', 'Name': 'D\\M', 'InMaintenanceMode': machine.mm, 'Tags': [TAG] if machine.tag else [],
            'SessionCount': len(machine.sessions), 'PowerState': 'On' if machine.power == 'up' else 'Off',
            'RegistrationState': 'Registered' if machine.power == 'up' else 'Unregistered',
            'PowerActionPending': machine.pending, 'SupportedPowerActions': ['Restart'],
            'FormattedLastDeregistrationTime': '2026-11-01T00:00:00Z'}


class Model(object):
    def __init__(self, policy_class=drain.DrainPolicy):
        self.policy_class = policy_class
        self.policies = dict((name, policy_class.from_params(dict(MINUTES, logoff=name), NOW)) for name in POLICIES)

    def initials(self):
        for sessions in INITIAL_SESSIONS:
            for policy in POLICIES:
                yield State(Machine(False, None, False, sessions, 'up', False), Run('running', 'read', (), None, 0, 0),
                            policy, logons=1, logoffs=1, moves=2, kills=1)

    # Transitions: (label, next state)

    def successors(self, state):
        moves = []
        if state.run.status == 'running':
            moves += self.run_moves(state)
            if state.kills:
                moves.append(('the run is killed', state._replace(run=state.run._replace(status='killed'),
                                                                  kills=state.kills - 1)))
        return moves + self.environment_moves(state)

    def environment_moves(self, state, with_users=True):
        machine, moves = state.machine, []
        if machine.pending and machine.power == 'up':
            if machine.sessions:
                moves.append(('the machine reboots WITH A SESSION', ('violation', 'rebooted-with-session')))
            else:
                moves.append(('the machine goes down for its reboot', state._replace(
                    machine=machine._replace(power='down'))))
        if machine.power == 'down':
            moves.append(('the machine is back', state._replace(machine=machine._replace(power='up', pending=False))))
        run = state.run
        if run.status == 'running' and run.started is not None:
            following = self.policies[state.policy].next_event(run.started, run.warnings)
            if following > run.clock:
                moves.append(('time passes to %d s' % following, state._replace(run=run._replace(clock=following))))
        if not with_users:
            return moves
        if state.logons and not machine.mm and machine.power == 'up' and not machine.pending:
            moves.append(('a user logs on', state._replace(machine=machine._replace(sessions=machine.sessions + (
                'active',)), logons=state.logons - 1)))
        for number, kind in enumerate(machine.sessions):
            rest = machine.sessions[:number] + machine.sessions[number + 1:]
            if state.logoffs:
                moves.append(('the %s user %d logs off' % (kind, number), state._replace(
                    machine=machine._replace(sessions=rest), logoffs=state.logoffs - 1)))
            if state.moves:
                changed = dict(active='young', young='stale', stale='active')[kind]
                label = dict(active='disconnects', young='grows older than the age', stale='reconnects')[kind]
                moves.append(('user %d %s' % (number, label), state._replace(
                    machine=machine._replace(sessions=machine.sessions[:number] + (changed,)
                                             + machine.sessions[number + 1:]), moves=state.moves - 1)))
        return moves

    def run_moves(self, state):
        machine, run = state.machine, state.run
        view = machine_view(machine)
        policy = self.policies[state.policy]

        def going(label, machine=machine, **changes):
            return [(label, state._replace(machine=machine, run=run._replace(**changes)))]
        if run.phase == 'read':
            kind = rules.fence_state(view, TAG)
            if kind == rules.BROKEN:
                return going('reads: a tag without maintenance mode', phase='lift', steps=(rules.TAG_OFF,))
            fenced = kind == rules.FENCED
            if self.skip(view, fenced, drain=True):
                return going('reads: not to drain', phase='lift', steps=rules.LIFT_STEPS) if fenced \
                    else going('reads: not to drain', status='done')
            if fenced:
                return going('reads: a fence, carried on', phase='check')
            return going('reads: to fence', phase='fence',
                         steps=tuple(rules.fence_steps_to_send(view, rules.FENCE_STEPS, TAG)))
        if run.phase in ('fence', 'lift'):
            written = apply_step(machine, run.steps[0], 0)
            if run.steps[1:]:
                return going(run.steps[0], written, steps=run.steps[1:])
            if run.phase == 'fence':
                return going(run.steps[0], written, phase='check', steps=())
            return going(run.steps[0], written, status='done', steps=())
        if run.phase == 'check':
            if not (machine.tag and machine.mm):
                return going('re-reads: its fence is gone', status='done')
            if not self.skip(view, True):
                return going('re-reads behind the fence: idle', phase='reboot')
            if self.skip(view, True, drain=True):
                return going('re-reads behind the fence: not to reboot', phase='lift', steps=rules.LIFT_STEPS)
            return going('re-reads behind the fence: drains it', phase='drain',
                         started=run.clock if run.started is None else run.started)
        if run.phase == 'drain':
            if not machine.sessions:
                return going('reads: the last session has ended', phase='check')
            step = policy.next_step(run.started, run.clock, run.warnings)
            if step == drain.WARN:
                return going('warns the users: ' + policy.message(run.started, run.clock)[1],
                             warnings=policy.warnings_due(run.started, run.clock))
            if step == drain.DEADLINE:
                return self.deadline(state, policy)
            return []
        if run.phase == 'reboot':
            return going('reboots', machine._replace(pending=True), phase='wait')
        if run.phase == 'wait':
            if machine.power == 'up' and not machine.pending:
                return going('sees the machine back', phase='lift', steps=rules.LIFT_STEPS)
            return []
        raise AssertionError(run.phase)

    def deadline(self, state, policy):
        """Read the sessions and log off what the policy says, in one step; the invariants are checked here."""
        machine, run = state.machine, state.run
        views = [session_view(number, kind) for number, kind in enumerate(machine.sessions)]
        chosen = set(view['Id'] for view in policy.to_log_off(views, NOW))
        for number, kind in enumerate(machine.sessions):
            if 's%d' % number not in chosen:
                continue
            if kind == 'active' and state.policy != drain.LOGOFF_ALL:
                raise Violation('active-logged-off', 'an active session logged off under logoff %s' % state.policy)
            if run.clock < run.started + policy.warning or run.warnings < policy.warnings_due(run.started, run.clock):
                raise Violation('early-logoff', 'a session logged off before the deadline, at %d s' % run.clock)
            if state.policy == drain.LOGOFF_DISCONNECTED and kind != 'stale':
                raise Violation('young-logoff', 'a %s session logged off under logoff disconnected' % kind)
        left = tuple(kind for number, kind in enumerate(machine.sessions) if 's%d' % number not in chosen)
        after = machine._replace(sessions=left)
        if left:
            return [('the deadline: logs off %d, %d still busy: lifted' % (len(chosen), len(left)),
                     state._replace(machine=after, run=run._replace(phase='lift', steps=rules.LIFT_STEPS)))]
        return [('the deadline: logs off %d' % len(chosen), state._replace(machine=after, run=run._replace(
            phase='check')))]

    @staticmethod
    def skip(view, fenced, drain=False):
        return rules.reboot_skip_reason(view, NOW, fenced=frozenset(['m']) if fenced else frozenset(),
                                        drain=drain) is not None

    def clean_run(self, state):
        """One more run, same policy, nobody acting, to its end; returns its final state."""
        state = state._replace(run=Run('running', 'read', (), None, 0, 0), logons=0, logoffs=0, moves=0, kills=0)
        for _step in range(1000):
            if state.run.status != 'running':
                return state
            moves = self.run_moves(state) or self.environment_moves(state, with_users=False)
            if not moves:
                raise Violation('stuck', 'the clean run cannot go on')
            if moves[0][1][0] == 'violation':
                raise Violation(moves[0][1][1], 'in the clean run: ' + moves[0][0])
            state = moves[0][1]
        raise Violation('stuck', 'the clean run did not end')


def explore(policy_class=drain.DrainPolicy):
    """Every state reachable from every initial one, depth first; returns the figures and the first violation."""
    model = Model(policy_class)
    figures = dict(states=0, transitions=0, terminal=0)
    seen = set()
    for start in model.initials():
        trail = ['start: sessions %s, logoff %s' % (', '.join(start.machine.sessions) or 'none', start.policy)]
        stack = [(start, iter(model.successors(start)))]
        seen.add(start)
        try:
            while stack:
                state, moves = stack[-1]
                move = next(moves, None)
                if move is None:
                    if not model.successors(state):
                        figures['terminal'] += 1
                        final = model.clean_run(state)
                        if final.machine.tag:
                            raise Violation('fence-left', 'a fence is left after a clean run')
                    stack.pop()
                    trail.pop()
                    continue
                label, following = move
                figures['transitions'] += 1
                if following[0] == 'violation':
                    trail.append(label)
                    raise Violation(following[1], label)
                if following in seen:
                    continue
                seen.add(following)
                trail.append(label)
                stack.append((following, iter(model.successors(following))))
        except Violation as found:
            figures['states'] = len(seen)
            return figures, (found, trail)
    figures['states'] = len(seen)
    return figures, None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--broken', choices=sorted(BROKEN), help='a deliberately broken drain rule, to see it caught')
    args = parser.parse_args(argv)
    started = time.monotonic()
    figures, violation = explore(BROKEN[args.broken] if args.broken else drain.DrainPolicy)
    print('drain model: sessions %s; logoff %s; a log-on, a logoff, 2 session changes, time, a kill; rules %s'
          % (' | '.join(', '.join(s) or 'none' for s in INITIAL_SESSIONS), ', '.join(POLICIES), args.broken or 'as built'))
    print('states explored: %d; transitions: %d; terminal states (each followed by a clean run): %d; %.1f s'
          % (figures['states'], figures['transitions'], figures['terminal'], time.monotonic() - started))
    if violation is None:
        print('violations: 0')
        return 0
    found, trail = violation
    print('violations: 1 (exploration stopped at the first): %s' % found)
    for label in trail:
        print('  ' + label)
    return 1


if __name__ == '__main__':
    sys.exit(main())
