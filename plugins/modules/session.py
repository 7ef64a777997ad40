#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Log off, disconnect, message, hide or unhide Citrix DaaS sessions."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: session
version_added: 0.1.0
short_description: Log off, disconnect, send a message to, hide or unhide Citrix DaaS sessions
description:
  - Brings the sessions a selector picks to a O(state) (logged off, disconnected, hidden or visible), sends them a
    O(send_message), or both (the message first).
  - "Sessions are picked by ID (O(session_ids)), by machine, catalog or delivery group, or by user; each kind given
    narrows the choice, the values of one kind add up. O(states) and O(min_minutes_in_state) filter them further,
    for example the sessions disconnected for more than 8 hours."
  - The sessions are found with one C(POST /Sessions/$search) (page by page); a site that does not serve it has its
    sessions listed (C(GET /Sessions)) and filtered by the module. The actions travel in C($batch) requests of up to
    100 sessions each, so the number of requests grows with the batches, not with the sessions.
  - "A session that has ended meanwhile (HTTP 404) counts as logged off: it is reported V(gone), never as a failure.
    A session is never logged off unless O(state=logged_off) says so."
  - The times in the API are measured against the API's own clock (the C(Date) header of its answers).
  - The task fails, after every session has been handled, when the action failed for any of them.
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
options:
  state:
    description:
      - What the sessions become. V(logged_off) logs them off (C($logoff)), V(disconnected) disconnects them
        (C($disconnect)), V(hidden) and V(visible) hide or unhide them (C($hide), C($unhide)).
      - A session already disconnected, hidden or visible is left as it is (V(unchanged)).
      - Without O(state), only the O(send_message) is sent.
    type: str
    choices: [logged_off, disconnected, hidden, visible]
  send_message:
    description:
      - A message box each session gets (C($sendMessage)), before O(state) is applied.
      - A message is always sent again when the task runs again.
    type: dict
    suboptions:
      title:
        description: The title of the message box.
        type: str
        default: ''
      text:
        description: The message.
        type: str
        required: true
      style:
        description: The kind of message box (C(MessageStyle)).
        type: str
        choices: [Information, Exclamation, Critical, Question, Unknown]
        default: Information
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.sessions
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.ACTIONS
attributes:
  check_mode:
    details: Check mode finds the sessions and predicts each one's outcome; it sends no message and no session action.
  diff_mode:
    details: The diff shows, for each session changed, its C(State) and C(IsHidden) before and after (C(State) V(LoggedOff) once logged off).
seealso:
  - module: citrix_cloud.daas.session_info
  - module: citrix_cloud.daas.machine_maintenance
notes:
  - A machine in maintenance mode accepts no new sessions; put machines in maintenance mode first
    (M(citrix_cloud.daas.machine_maintenance)) to keep users from logging on again while their sessions are ended.
'''

EXAMPLES = r'''
- name: Act on sessions with the connection options set once
  module_defaults:
    group/citrix_cloud.daas.daas:
      customer_id: "{{ citrix_customer_id }}"
      client_id: "{{ citrix_client_id }}"
      client_secret: "{{ citrix_client_secret }}"
  block:
    - name: See which sessions disconnected for more than 8 hours would be logged off
      citrix_cloud.daas.session:
        delivery_groups: Finance-Desktops
        states: [Disconnected]
        min_minutes_in_state: 480
        state: logged_off
      check_mode: true
      register: stale

    - name: Log them off
      citrix_cloud.daas.session:
        delivery_groups: Finance-Desktops
        states: [Disconnected]
        min_minutes_in_state: 480
        state: logged_off
      when: stale is changed

    - name: Warn the active users of two machines
      citrix_cloud.daas.session:
        machines:
          - DEMOLAB\FIN-004
          - DEMOLAB\OSPREY
        states: [Active]
        send_message:
          title: Maintenance tonight
          text: Please save your work and log off by 22:00.
          style: Exclamation

    - name: Disconnect one user's sessions in a catalog
      citrix_cloud.daas.session:
        catalogs: Finance-Pooled
        users: DEMOLAB\alice
        state: disconnected

    - name: Hide a session by its ID
      citrix_cloud.daas.session:
        session_ids:
          - c12a6ce8-a3cf-4db5-83d4-d7b23374b575
        state: hidden
'''

RETURN = r'''
results:
  description: One entry per session picked (and per O(session_ids) entry that ended or that the filters left out).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The session's C(Id).
      type: str
      sample: c12a6ce8-a3cf-4db5-83d4-d7b23374b575
    user:
      description: The session's user (C(User.SamName)); V(null) when the session has ended before it was read.
      type: str
      sample: DEMOLAB\bob
    machine:
      description: The name of the machine the session runs on; V(null) when unknown.
      type: str
      sample: DEMOLAB\FIN-005
    session_state:
      description: The session's C(State) as read; V(null) when it had ended.
      type: str
      sample: Disconnected
    minutes_in_state:
      description: Whole minutes the session had been in that state, by the API's clock; V(null) when unknown.
      type: int
      sample: 545
    status:
      description:
        - V(changed) (or would be, in check mode), V(unchanged), V(gone) (the session has ended; for
          O(state=logged_off) that is the state asked for), V(skipped) (an O(session_ids) entry the filters leave
          out) or V(failed).
      type: str
      sample: changed
    message:
      description: With O(send_message), V(sent), V(would be sent) (check mode), or V(null) when it was not sent.
      type: str
      sample: sent
    reason:
      description: What was done or would be done, or why not.
      type: str
      sample: logged off
summary:
  description: Counts of the results by status, and the messages sent (or that would be sent).
  returned: always
  type: dict
  sample: {total: 3, changed: 2, unchanged: 0, gone: 1, skipped: 0, failed: 0, messages: 2}
'''

import datetime

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule, capped_list, count_by_status
from ansible_collections.citrix_cloud.daas.plugins.module_utils._sessions import (
    MESSAGE_STYLES,
    SELECTOR_OPTIONS,
    STATE_ACTIONS,
    minutes_in_state,
    selector_filters,
    unchanged_reason,
)

STATUSES = ('changed', 'unchanged', 'gone', 'skipped', 'failed')
SELECTORS = ('session_ids', 'machines', 'catalogs', 'delivery_groups', 'users')
DONE = {'logoff': 'logged off', 'disconnect': 'disconnected', 'hide': 'hidden', 'unhide': 'made visible'}
STATE_AFTER = {'logoff': 'LoggedOff', 'disconnect': 'Disconnected'}


def select(daas, now):
    """The sessions picked (as read), the ids of those that have ended and those the filters leave out."""
    params = daas.params
    machines, catalogs, groups = daas.client.session_scope_names(params['machines'] or (), params['catalogs'] or (),
                                                                 params['delivery_groups'] or ())
    changed_before = None
    if params['min_minutes_in_state']:
        changed_before = now - datetime.timedelta(minutes=params['min_minutes_in_state'])
    filters = selector_filters(machines, catalogs, groups, params['users'] or (), params['states'] or (), changed_before)
    return daas.client.select_sessions(params['session_ids'] or (), filters)


def new_result(session, now, status=None, reason=None):
    """The result of one session as read."""
    user = session.get('User') if isinstance(session.get('User'), dict) else {}
    machine = session.get('Machine') if isinstance(session.get('Machine'), dict) else {}
    return dict(id=session.get('Id'), user=user.get('SamName'), machine=machine.get('Name'),
                session_state=session.get('State'), minutes_in_state=minutes_in_state(session, now), status=status,
                message=None, reason=reason)


class SessionRun(object):
    """Sends the message, then the state's action, to the sessions still there; fills in their results."""

    def __init__(self, daas):
        self.daas = daas
        self.client = daas.client
        self.state_gone = 'the session has ended: it counts as logged off' \
            if daas.params['state'] == 'logged_off' else 'the session has ended'
        # The sessions whose state the action changed (or would change), for the diff.
        self.state_changed = set()

    def _send(self, pairs, request_of, on_done):
        """One request per (session, result) pair, in $batch (none in check mode); on_done(pair) after a 2xx."""
        if self.daas.check_mode:
            for pair in pairs:
                on_done(pair)
            return
        outcomes = self.client.session_actions(request_of(session) for session, _result in pairs)
        for pair, outcome in zip(pairs, outcomes):
            if outcome.status == 404:
                pair[1].update(status='gone', reason=self.state_gone)
            elif outcome.error is not None:
                pair[1].update(status='failed', reason=outcome.error.message)
            else:
                on_done(pair)

    def message(self, pairs, options):
        body = self.client.message_body(options['title'], options['text'], options['style'])
        sent = 'would be sent' if self.daas.check_mode else 'sent'

        def done(pair):
            pair[1].update(message=sent, status='changed', reason='message %s' % sent)
        self._send(pairs, lambda session: self.client.session_action_request(session['Id'], 'sendMessage', body), done)

    def apply_state(self, pairs, state):
        action = STATE_ACTIONS[state]
        to_change = []
        for session, result in pairs:
            note = unchanged_reason(action, session)
            if note is None:
                to_change.append((session, result))
            elif result['message'] is None:
                result.update(status='unchanged', reason=note)
            else:
                result['reason'] += ', ' + note
        prefix = 'would be ' if self.daas.check_mode else ''

        def done(pair):
            reason = prefix + DONE[action]
            self.state_changed.add(pair[1]['id'])
            pair[1].update(status='changed', reason=reason if pair[1]['message'] is None else
                           'message %s, %s' % (pair[1]['message'], reason))
        self._send(to_change, lambda session: self.client.session_action_request(session['Id'], action), done)


def diff(pairs, state, changed_ids):
    """Before and after of the sessions whose state changed: State and IsHidden."""
    action = STATE_ACTIONS.get(state)
    before, after = {}, {}
    for session, result in pairs:
        if result['id'] not in changed_ids:
            continue
        before[result['id']] = dict(State=session.get('State'), IsHidden=session.get('IsHidden'))
        after[result['id']] = dict(State=STATE_AFTER.get(action, session.get('State')),
                                   IsHidden={'hide': True, 'unhide': False}.get(action, session.get('IsHidden')))
    return dict(before=before, after=after)


def execute(daas):
    """Pick the sessions, send the message, apply the state; report (and fail when any session failed)."""
    params = daas.params
    now = daas.client.server_time()
    picked, ended, left_out = select(daas, now)
    run = SessionRun(daas)
    pairs = [(session, new_result(session, now)) for session in picked]
    if params['send_message']:
        run.message(pairs, params['send_message'])
    if params['state']:
        run.apply_state([pair for pair in pairs if pair[1]['status'] in (None, 'changed')], params['state'])
    results = [result for _session, result in pairs]
    results += [dict(new_result({'Id': session_id}, now), status='gone', reason=run.state_gone) for session_id in ended]
    results += [new_result(session, now, 'skipped', 'not picked by the selectors and filters') for session in left_out]
    summary = count_by_status(results, STATUSES)
    summary['messages'] = sum(1 for result in results if result['message'])
    output = dict(changed=summary['changed'] > 0, results=results, summary=summary)
    if daas.module._diff:
        output['diff'] = diff(pairs, params['state'], run.state_changed)
    failed = [result for result in results if result['status'] == 'failed']
    if failed:
        daas.fail('the session action failed for %d of %d sessions: %s' % (
            len(failed), len(results), capped_list('%s: %s' % (r['id'], r['reason']) for r in failed)), **output)
    return output


def check_params(daas):
    """One clear line for what the argument spec cannot say."""
    params = daas.params
    for name in SELECTORS:
        if any(not str(value).strip() for value in params[name] or ()):
            daas.fail('%s must not contain an empty entry' % name)
    if params['min_minutes_in_state'] is not None and params['min_minutes_in_state'] < 0:
        daas.fail('min_minutes_in_state must be 0 or more, got %d' % params['min_minutes_in_state'])
    if params['send_message'] is not None and not params['send_message']['text'].strip():
        daas.fail('send_message.text must not be empty')


def main():
    daas = DaaSModule(
        argument_spec=dict(
            SELECTOR_OPTIONS,
            state=dict(type='str', choices=list(STATE_ACTIONS)),
            send_message=dict(type='dict', options=dict(
                title=dict(type='str', default=''),
                text=dict(type='str', required=True),
                style=dict(type='str', choices=list(MESSAGE_STYLES), default='Information'),
            )),
        ),
        required_one_of=[list(SELECTORS), ['state', 'send_message']],
        supports_check_mode=True,
    )
    check_params(daas)
    daas.run(execute)


if __name__ == '__main__':
    main()
