"""An explicit-state model of the drain fence and the run lock, explored over every interleaving.

The model drives the pipeline's own rules from plugins/module_utils/_machine.py: the step order (MARKED_FENCE_STEPS,
MARKED_LIFT_STEPS under the run lock, FENCE_STEPS and LIFT_STEPS without it), what a step writes (STEP_EFFECTS),
what a read means (fence_state), which steps a machine still needs (fence_steps_to_send) and whether it may be
rebooted (reboot_skip_reason). Changing one of them changes what is
checked, so the proof is about the code's protocol, not a copy of it.

What it explores, from every state: a run's next step; that step failing for good, with or without its effect
(a lost answer); a run killed after any step; an administrator switching maintenance mode on (on a machine not in
maintenance mode) or off (on maintenance mode an administrator set); a user logging on (a machine accepts a session
when it is On, registered and not in maintenance mode); a second run starting at any moment (overlapping, or after
the first); the lease of a killed run's lock ending; a reboot carried out, a machine coming back; a reboot's
deadline passing and its cancel landing or not. Each terminal state is then followed by a clean run (no fault, no
one else acting) to its end.

Invariants (a violation is reported with the steps that led to it):
- lifted-maintenance: no run switches maintenance mode off unless a run switched it on (an administrator's
  maintenance is never lifted);
- rebooted-with-session: no reboot is carried out on a machine with a session;
- fence-left: after the clean run, no machine carries the fence tag;
- cap: at most `max_unavailable` machines are out of service under a fence at once (whichever run set it);
- unreported-maintenance: after the clean run, every machine that a run left in maintenance mode without the fence
  tag was reported (by that run, for a write that failed, or, for a run that was killed between two writes, by the
  run that took over its lock and found the machine marked with the lock's tag);
- undocumented-state: every machine state is one of DOCUMENTED_STATES (docs/reboot-workflow.md).

Run it: python3 -m tests.model.fence_model [--machines 2] [--no-lock] [--swap-fence] [--swap-lift]
"""

import argparse
import atexit
import datetime
import importlib
import os
import shutil
import sys
import tempfile
import time
from collections import namedtuple
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _machine_rules():
    """plugins/module_utils/_machine.py of this checkout, imported as the collection's (through a temporary
    ansible_collections/citrix_cloud/daas link to it when the collection is not on the path)."""
    try:
        return importlib.import_module('ansible_collections.citrix_cloud.daas.plugins.module_utils._machine')
    except ImportError:
        pass
    root = tempfile.mkdtemp(prefix='fence-model-')
    atexit.register(shutil.rmtree, root, True)
    os.makedirs(os.path.join(root, 'ansible_collections', 'citrix_cloud'))
    os.symlink(str(ROOT), os.path.join(root, 'ansible_collections', 'citrix_cloud', 'daas'))
    sys.path.insert(0, root)
    for name in [name for name in sys.modules if name == 'ansible_collections' or name.startswith('ansible_collections.')]:
        del sys.modules[name]
    return importlib.import_module('ansible_collections.citrix_cloud.daas.plugins.module_utils._machine')


rules = _machine_rules()
TAG = 'fence'
NOW = datetime.datetime(2026, 12, 1, 20, 0, tzinfo=datetime.timezone.utc)
# (in maintenance mode, carries the tag, who switched maintenance mode on) -> the state's name in the docs.
DOCUMENTED_STATES = {
    (False, False, None): 'free',
    (True, False, 'admin'): "maintenance (an administrator's)",
    (True, False, 'run'): "maintenance (a run's, left by a failed or interrupted write, reported)",
    (True, True, 'run'): 'fenced',
}

# One machine: maintenance mode and who set it, the fence tag, sessions, power ('up', 'down'), a reboot pending, the
# run whose lock tag marks it (None: unmarked), and whether a run reported it (maintenance mode left to switch off).
Machine = namedtuple('Machine', 'mm owner tag sessions power pending mark reported')
# One run: where it is (phase), its order of machines and the index in it, the steps still to send, whether the
# fence of the current machine is up, and whether it took the lock.
Run = namedtuple('Run', 'status phase order index steps fence_up locked kept')
# The whole system, with what the environment may still do (budgets keep the exploration finite).
State = namedtuple('State', 'machines runs lock lease_over faults kills admin logons deadlines')

IDLE_RUN = Run('idle', 'lock', (), 0, (), False, False, 0)


class Config(object):
    def __init__(self, machines=2, runs=2, max_unavailable=1, faults=1, kills=1, admin=2, logons=1, deadlines=1,
                 use_lock=True, fence_steps=None, lift_steps=None, check_states=True):
        self.machines = machines
        self.runs = runs
        self.max_unavailable = max_unavailable
        self.budgets = dict(faults=faults, kills=kills, admin=admin, logons=logons, deadlines=deadlines)
        self.use_lock = use_lock
        self.fence_steps = tuple(fence_steps or (rules.MARKED_FENCE_STEPS if use_lock else rules.FENCE_STEPS))
        self.lift_steps = tuple(lift_steps or (rules.MARKED_LIFT_STEPS if use_lock else rules.LIFT_STEPS))
        # Off: only the other invariants are checked (to see what an undocumented state leads to).
        self.check_states = check_states


class Violation(Exception):
    def __init__(self, invariant, detail):
        super().__init__('%s: %s' % (invariant, detail))
        self.invariant = invariant


def mark_of(number):
    """The lock tag of run `number`: the mark it puts on the machines it writes to."""
    return 'lock-%d' % number


def api_view(machine):
    """The machine as a read of the API shows it (the properties the pipeline's rules read)."""
    tags = ([TAG] if machine.tag else []) + ([mark_of(machine.mark)] if machine.mark is not None else [])
    return {'Id': 'm', 'Name': 'D\\M', 'InMaintenanceMode': machine.mm, 'Tags': tags,
            'SessionCount': machine.sessions, 'PowerState': 'On' if machine.power == 'up' else 'Off',
            'RegistrationState': 'Registered' if machine.power == 'up' else 'Unregistered',
            'PowerActionPending': machine.pending, 'SupportedPowerActions': ['Restart'],
            'FormattedLastDeregistrationTime': '2026-11-01T00:00:00Z'}


def apply_step(machine, step, number):
    """Run `number`'s write of a fence or lift step on a machine; checks that maintenance mode is lifted only where a
    run set it."""
    fact, value = rules.STEP_EFFECTS[step]
    if fact == 'mark':
        return machine._replace(mark=number)
    if fact == 'tag':
        return machine._replace(tag=value)
    if value:
        # The API keeps no owner: a run's write of maintenance on makes it the run's (the last writer's).
        return machine._replace(mm=True, owner='run')
    if machine.mm and machine.owner != 'run':
        raise Violation('lifted-maintenance', "a run switched off maintenance mode that an administrator set")
    return machine._replace(mm=False, owner=None)


class Model(object):
    def __init__(self, config):
        self.config = config

    def initial(self):
        machines = (Machine(False, None, False, 0, 'up', False, None, False),) * self.config.machines
        runs = (IDLE_RUN,) * self.config.runs
        budgets = self.config.budgets
        return State(machines, runs, None, False, budgets['faults'], budgets['kills'], budgets['admin'],
                     budgets['logons'], budgets['deadlines'])

    # Checks of every state

    def check(self, state):
        for number, machine in enumerate(state.machines):
            key = (machine.mm, machine.tag, machine.owner if machine.mm else None)
            if self.config.check_states and key not in DOCUMENTED_STATES:
                raise Violation('undocumented-state', 'machine %d has maintenance mode %s (set by %s) and tag %s'
                                % (number, machine.mm, machine.owner, machine.tag))
        out = set(number for number, machine in enumerate(state.machines) if machine.tag)
        for run in state.runs:
            if run.status == 'running' and run.phase not in ('lock', 'adopt', 'read', 'release') and run.order:
                current = run.order[run.index]
                if state.machines[current].mm and state.machines[current].owner == 'run':
                    out.add(current)
        if len(out) > self.config.max_unavailable:
            raise Violation('cap', '%d machines out of service under a fence (max_unavailable %d)'
                            % (len(out), self.config.max_unavailable))

    # Transitions: (label, next state)

    def successors(self, state):
        result = []
        for number, run in enumerate(state.runs):
            result += self._run_moves(state, number, run)
        result += self._environment_moves(state)
        return result

    def _set_run(self, state, number, run, machines=None, **budgets):
        runs = state.runs[:number] + (run,) + state.runs[number + 1:]
        return state._replace(runs=runs, machines=state.machines if machines is None else machines, **budgets)

    def _set_machine(self, machines, number, machine):
        return machines[:number] + (machine,) + machines[number + 1:]

    def _run_moves(self, state, number, run):
        moves = []
        if run.status == 'idle':
            # A run starts: the first at once, the others at any moment (overlapping, or later).
            if number == 0 or state.runs[0].status != 'idle':
                moves.append(('run %d starts' % number, self._set_run(state, number, run._replace(status='running'))))
            return moves
        if run.status != 'running':
            return moves
        for label, following in self.step(state, number, run, fault=None):
            moves.append(('run %d: %s' % (number, label), following))
        if state.faults > 0 and run.phase in ('fence', 'lift', 'reboot'):
            for effect in (False, True):
                for label, following in self.step(state, number, run, fault=effect):
                    moves.append(('run %d: %s fails for good%s' % (number, label, ' (carried out, answer lost)'
                                                                   if effect else ''),
                                  following._replace(faults=following.faults - 1)))
        if state.kills > 0:
            moves.append(('run %d is killed' % number,
                          self._set_run(state, number, run._replace(status='killed'), kills=state.kills - 1)))
        return moves

    def _environment_moves(self, state):
        moves = []
        machines = state.machines
        for number, machine in enumerate(machines):
            if machine.pending and machine.power == 'up':
                if machine.sessions:
                    # Reported as a violation when the reboot is carried out.
                    moves.append(('machine %d reboots WITH A SESSION' % number, ('violation', 'rebooted-with-session')))
                else:
                    moves.append(('machine %d goes down for its reboot' % number,
                                  state._replace(machines=self._set_machine(machines, number,
                                                                            machine._replace(power='down')))))
            if machine.power == 'down':
                moves.append(('machine %d is back' % number, state._replace(machines=self._set_machine(
                    machines, number, machine._replace(power='up', pending=False)))))
            if state.admin > 0 and not machine.mm:
                moves.append(('administrator: maintenance on for machine %d' % number, state._replace(
                    machines=self._set_machine(machines, number, machine._replace(mm=True, owner='admin')),
                    admin=state.admin - 1)))
            if state.admin > 0 and machine.mm and machine.owner == 'admin':
                moves.append(('administrator: maintenance off for machine %d' % number, state._replace(
                    machines=self._set_machine(machines, number, machine._replace(mm=False, owner=None)),
                    admin=state.admin - 1)))
            if state.logons > 0 and not machine.mm and machine.power == 'up' and not machine.pending:
                moves.append(('a user logs on to machine %d' % number, state._replace(
                    machines=self._set_machine(machines, number, machine._replace(sessions=machine.sessions + 1)),
                    logons=state.logons - 1)))
        holder = state.lock
        if holder is not None and state.runs[holder].status == 'killed' and not state.lease_over:
            moves.append(('the killed run %d\'s lease ends' % holder, state._replace(lease_over=True)))
        return moves

    # One step of a run (fault: None, or whether the failed step was carried out all the same)

    def step(self, state, number, run, fault):
        config = self.config
        machines = state.machines
        if run.phase == 'lock':
            if not config.use_lock:
                return [('starts without a lock', self._set_run(state, number, run._replace(phase='adopt')))]
            if state.lock is None or (state.lease_over and state.runs[state.lock].status == 'killed'):
                # Taking over a killed run's lock: the machines its tag marks in maintenance mode without the fence
                # tag are reported; deleting its tag takes its marks off.
                machines = tuple(self._unmarked(machine, state.lock, report=True) for machine in machines)
                return [('takes the run lock', self._set_run(state, number, run._replace(phase='adopt', locked=True),
                                                             machines)._replace(lock=number, lease_over=False))]
            if state.runs[state.lock].status != 'running':
                return []
            # Held by a live run: wait (no move) until it ends, or give up with one line naming it.
            return [('gives up: another run holds the lock', self._set_run(state, number, run._replace(status='stopped')))]
        if run.phase == 'adopt':
            # The fences found in the scope first: they are out of service already.
            order = tuple(sorted(range(len(machines)), key=lambda m: (not (machines[m].tag and machines[m].mm), m)))
            return [('finds the fences in its scope', self._set_run(state, number, run._replace(
                phase='read', order=order, index=0)))]
        if run.phase == 'release':
            if state.lock != number:
                return [('ends', self._set_run(state, number, run._replace(status='done')))]
            machines = tuple(self._unmarked(machine, number, report=False) for machine in machines)
            return [('releases the lock and ends', self._set_run(state, number, run._replace(status='done'), machines)
                     ._replace(lock=None))]
        current = run.order[run.index]
        machine = machines[current]
        view = api_view(machine)
        if run.phase == 'read':
            kind = rules.fence_state(view, TAG)
            if kind == rules.BROKEN:
                return [('reads machine %d: a tag without maintenance mode' % current,
                         self._set_run(state, number, run._replace(phase='lift', steps=(rules.TAG_OFF,), fence_up=False)))]
            fenced = kind == rules.FENCED
            if self._skip(view, fenced):
                following = run._replace(phase='lift', steps=config.lift_steps, fence_up=True) if fenced \
                    else self._next_machine(run)
                return [('reads machine %d: not to reboot' % current, self._set_run(state, number, following))]
            if fenced:
                return [('reads machine %d: a fence, carried on' % current,
                         self._set_run(state, number, run._replace(phase='recheck', fence_up=True)))]
            if run.kept >= config.max_unavailable:
                # Fences this run could not lift fill max_unavailable: no more machines are fenced (reported).
                return [('reads machine %d: no place left' % current, self._set_run(state, number, self._next_machine(run)))]
            steps = tuple(rules.fence_steps_to_send(view, config.fence_steps, TAG, self._mark(run, number)))
            return [('reads machine %d: to fence' % current,
                     self._set_run(state, number, run._replace(phase='fence', steps=steps, fence_up=False)))]
        if run.phase in ('fence', 'lift'):
            step = run.steps[0]
            if step == rules.MARK_ON and machine.mark == number:
                # Marked already (the machine's fence is this run's): the lift sends no second mark.
                return [('no mark needed', self._set_run(state, number, run._replace(steps=run.steps[1:])))]
            written = apply_step(machine, step, number) if fault is None or fault else machine
            if fault is not None and written.mm and written.owner == 'run' and not written.tag:
                # The run reports the machine whose write failed for good, with what to do.
                written = written._replace(reported=True)
            machines = self._set_machine(machines, current, written)
            if fault is not None:
                # Failed for good. The fence's first write: the machine is left as it is (reported). A later one: the
                # run lifts what it set. A lift's: the machine is left as the step left it (reported).
                if run.phase == 'fence' and rules.MAINTENANCE_ON not in run.steps:
                    return [(step, self._set_run(state, number, run._replace(phase='lift', steps=config.lift_steps),
                                                 machines))]
                # A lift that failed before the tag was removed leaves the fence up (it keeps its place under the cap).
                kept = run.kept + (1 if run.phase == 'lift' and rules.TAG_OFF in run.steps else 0)
                return [(step, self._set_run(state, number, self._next_machine(run)._replace(kept=kept), machines))]
            rest = run.steps[1:]
            if rest:
                return [(step, self._set_run(state, number, run._replace(steps=rest), machines))]
            if run.phase == 'fence':
                return [(step, self._set_run(state, number, run._replace(phase='recheck', steps=(), fence_up=True),
                                             machines))]
            return [(step, self._set_run(state, number, self._next_machine(run), machines))]
        if run.phase == 'recheck':
            if not (machine.tag and machine.mm):
                return [('re-reads machine %d: its fence is gone' % current,
                         self._set_run(state, number, self._next_machine(run)))]
            if self._skip(view, True):
                return [('re-reads machine %d behind the fence: not to reboot' % current,
                         self._set_run(state, number, run._replace(phase='lift', steps=config.lift_steps)))]
            return [('re-reads machine %d behind the fence: idle' % current,
                     self._set_run(state, number, run._replace(phase='reboot')))]
        if run.phase == 'reboot':
            if fault is False:
                # The reboot was not carried out: the run reads it back and checks it again.
                return [('reboot', self._set_run(state, number, run._replace(phase='recheck')))]
            machines = self._set_machine(machines, current, machine._replace(pending=True))
            return [('reboot', self._set_run(state, number, run._replace(phase='wait'), machines))]
        if run.phase == 'wait':
            moves = []
            if machine.power == 'up' and not machine.pending:
                moves.append(('sees machine %d back' % current,
                              self._set_run(state, number, run._replace(phase='lift', steps=config.lift_steps))))
            if state.deadlines > 0 and machine.pending:
                for cancelled in (True, False):
                    after = machine._replace(pending=False) if cancelled and machine.power == 'up' else machine
                    # Never lifted over a pending action: it stays fenced, reported.
                    following = run._replace(phase='lift', steps=config.lift_steps) if not after.pending \
                        else self._next_machine(run)._replace(kept=run.kept + 1)
                    moves.append(('deadline for machine %d, cancel %s' % (current, 'lands' if cancelled else 'fails'),
                                  self._set_run(state, number, following, self._set_machine(machines, current, after),
                                                deadlines=state.deadlines - 1)))
            return moves
        raise AssertionError(run.phase)

    def _mark(self, run, number):
        return mark_of(number) if self.config.use_lock and run.locked else None

    @staticmethod
    def _unmarked(machine, number, report):
        """The machine once run `number`'s lock tag is deleted; `report`: what a run that takes the lock over reports."""
        if number is None or machine.mark != number:
            return machine
        left = report and machine.mm and not machine.tag
        return machine._replace(mark=None, reported=machine.reported or left)

    @staticmethod
    def _skip(view, fenced):
        return rules.reboot_skip_reason(view, NOW, fenced=frozenset(['m']) if fenced else frozenset()) is not None

    @staticmethod
    def _next_machine(run):
        if run.index + 1 < len(run.order):
            return run._replace(phase='read', index=run.index + 1, steps=(), fence_up=False)
        return run._replace(phase='release', steps=(), fence_up=False)

    # The clean run that follows every terminal state

    def clean_run(self, state):
        """Run one more run, with no fault and no one else acting, to its end; returns its final state."""
        runs = tuple(run if run.status != 'running' else run._replace(status='killed') for run in state.runs)
        state = state._replace(runs=runs + (Run('running', 'lock', (), 0, (), False, False, 0),), lease_over=True,
                               faults=0, kills=0, admin=0, logons=0, deadlines=0)
        number = len(runs)
        for _step in range(1000):
            run = state.runs[number]
            if run.status != 'running':
                return state
            moves = self.step(state, number, run, fault=None)
            if not moves:
                # Waiting for a reboot: the machine goes down and comes back.
                env = [move for move in self._environment_moves(state) if 'lease' not in move[0]]
                if not env:
                    raise Violation('stuck', 'the clean run cannot go on')
                moves = env
            if moves[0][1][0] == 'violation':
                raise Violation(moves[0][1][1], 'in the clean run: ' + moves[0][0])
            state = moves[0][1]
            self.check(state)
        raise Violation('stuck', 'the clean run did not end')


def explore(config, limit=None):
    """Every state reachable from the initial one, depth first; returns the figures and the first violation."""
    model = Model(config)
    start = model.initial()
    seen = {}
    paths = {}
    figures = dict(states=0, transitions=0, terminal=0, interleavings=0)
    violation = None
    stack = [(start, iter(model.successors(start)))]
    trail = [('start', start)]
    seen[start] = True
    try:
        model.check(start)
        while stack:
            state, moves = stack[-1]
            move = next(moves, None)
            if move is None:
                children = model.successors(state)
                if not children:
                    figures['terminal'] += 1
                    final = model.clean_run(state)
                    if any(machine.tag for machine in final.machines):
                        raise Violation('fence-left', 'a fence tag is left after a clean run')
                    if any(m.mm and m.owner == 'run' and not m.tag and not m.reported for m in final.machines):
                        raise Violation('unreported-maintenance', "a run's maintenance mode is left, and no run "
                                                                  "reported it")
                    paths[state] = 1
                stack.pop()
                trail.pop()
                if not children:
                    continue
                if any(child not in paths for _label, child in children):
                    raise Violation('cycle', 'a state leads back to itself')
                paths[state] = sum(paths[child] for _label, child in children)
                continue
            label, following = move
            figures['transitions'] += 1
            if following[0] == 'violation':
                trail.append((label, state))
                raise Violation(following[1], label)
            if following in seen:
                continue
            seen[following] = True
            trail.append((label, following))
            model.check(following)
            stack.append((following, iter(model.successors(following))))
            if limit and len(seen) > limit:
                raise Violation('limit', 'more than %d states' % limit)
    except Violation as found:
        violation = (found, [label for label, _state in trail])
    figures['states'] = len(seen)
    figures['interleavings'] = paths.get(start, 0)
    return figures, violation


def swapped(steps):
    """The steps with their last two writes (maintenance mode and the fence tag) in the other order."""
    return steps[:-2] + (steps[-1], steps[-2])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--machines', type=int, default=2)
    parser.add_argument('--runs', type=int, default=2)
    parser.add_argument('--max-unavailable', type=int, default=1)
    parser.add_argument('--faults', type=int, default=1)
    parser.add_argument('--kills', type=int, default=1)
    parser.add_argument('--admin', type=int, default=2)
    parser.add_argument('--logons', type=int, default=1)
    parser.add_argument('--no-lock', action='store_true', help='runs take no lock (to see the cap broken)')
    parser.add_argument('--swap-fence', action='store_true', help='the fence writes in the other order')
    parser.add_argument('--swap-lift', action='store_true', help='the lift writes in the other order')
    args = parser.parse_args(argv)
    config = Config(machines=args.machines, runs=args.runs, max_unavailable=args.max_unavailable, faults=args.faults,
                    kills=args.kills, admin=args.admin, logons=args.logons, use_lock=not args.no_lock,
                    fence_steps=swapped(rules.MARKED_FENCE_STEPS) if args.swap_fence else None,
                    lift_steps=swapped(rules.MARKED_LIFT_STEPS) if args.swap_lift else None)
    started = time.monotonic()
    figures, violation = explore(config)
    print('fence model: %d machines, %d runs, max_unavailable %d, faults %d, kills %d, administrator actions %d, '
          'log-ons %d, lock %s; fence %s, lift %s' % (
              config.machines, config.runs, config.max_unavailable, args.faults, args.kills, args.admin, args.logons,
              'on' if config.use_lock else 'off', ' -> '.join(config.fence_steps), ' -> '.join(config.lift_steps)))
    seconds = time.monotonic() - started
    print('states explored: %d; transitions: %d; terminal states (each followed by a clean run): %d; '
          'interleavings: %d; %.1f s' % (figures['states'], figures['transitions'], figures['terminal'],
                                         figures['interleavings'], seconds))
    if violation is None:
        print('violations: 0')
        return 0
    found, trail = violation
    print('violations: 1 (exploration stopped at the first): %s' % found)
    for label in trail[1:]:
        print('  ' + label)
    return 1


if __name__ == '__main__':
    sys.exit(main())
