# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the session module: its HTTP conversation scripted (requests-mock), the real client."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.citrix_cloud.daas.plugins.modules import session as session_module
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

API = 'http://sim.test'
MANAGE = API + '/cvad/manage'
ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret', site_id='site-1',
            api_url=API, auth_url=API, retries=0)
DATE = 'Tue, 01 Dec 2026 12:00:00 GMT'


def session(user, state='Active', since='2026-12-01T11:00:00Z', hidden=False):
    return {'Id': 'id-' + user, 'State': state, 'FormattedStateChangeTime': since, 'IsHidden': hidden,
            'User': {'SamName': 'DEMOLAB\\' + user}, 'Machine': {'Name': 'DEMOLAB\\FIN-004'}}


@pytest.fixture(name='api')
def fixture_api(requests_mock):
    """Sign-in, /me with the API's clock, and a $batch whose items answer as ``api.codes`` says (by RelativeUrl)."""
    requests_mock.post(API + '/cctrustoauth2/democustomer/tokens/clients',
                       json={'token_type': 'bearer', 'access_token': 'tok-1', 'expires_in': '3600'})
    requests_mock.get(MANAGE + '/me', json={'Customers': []}, headers={'Date': DATE})
    codes = {}

    def batch(request, context):
        return {'Items': [{'Reference': item['Reference'], 'Code': codes.get(item['RelativeUrl'], 204), 'Headers': [],
                           'Body': json.dumps({'ErrorMessage': 'Boom'}) if codes.get(item['RelativeUrl'], 204) >= 400
                           else None} for item in request.json()['Items']]}
    requests_mock.codes = codes
    requests_mock.batch = requests_mock.post(MANAGE + '/$batch', json=batch)
    return requests_mock


def found(api, *sessions):
    return api.post(MANAGE + '/Sessions/$search', json={'Items': list(sessions), 'ContinuationToken': None})


def batch_items(api):
    return [[(item['Method'], item['RelativeUrl'], item.get('Body')) for item in call.json()['Items']]
            for call in api.batch.request_history]


def test_check_mode_predicts_and_sends_no_batch(api):
    search = found(api, session('alice'), session('bob', 'Disconnected'))
    result = run_module(session_module.main, dict(ARGS, users=['alice', 'bob'], state='disconnected',
                                                  _ansible_diff=True), check_mode=True)
    assert result['failed'] is False and result['changed'] is True
    assert [(r['user'], r['status'], r['reason']) for r in result['results']] == [
        ('DEMOLAB\\alice', 'changed', 'would be disconnected'), ('DEMOLAB\\bob', 'unchanged', 'already disconnected')]
    assert result['results'][0]['minutes_in_state'] == 60
    assert result['diff'] == {'before': {'id-alice': {'State': 'Active', 'IsHidden': False}},
                              'after': {'id-alice': {'State': 'Disconnected', 'IsHidden': False}}}
    assert api.batch.call_count == 0
    assert search.last_request.json()['SearchFilterGroups'][0]['SearchFilters'][1]['Value'] == 'bob'


def test_logoff_by_state_and_age_and_a_session_gone_counts_as_logged_off(api):
    search = found(api, session('alice', 'Disconnected', '2026-12-01T02:00:00Z'),
                   session('bob', 'Disconnected', '2026-12-01T01:00:00Z'))
    api.codes['/Sessions/id-bob/$logoff'] = 404
    result = run_module(session_module.main, dict(ARGS, catalogs='Finance', states=['Disconnected'],
                                                  min_minutes_in_state=480, state='logged_off'))
    assert result['failed'] is False and result['changed'] is True
    assert [(r['status'], r['reason']) for r in result['results']] == [
        ('changed', 'logged off'), ('gone', 'the session has ended: it counts as logged off')]
    assert result['summary'] == dict(total=2, changed=1, unchanged=0, gone=1, skipped=0, failed=0, messages=0)
    body = search.last_request.json()
    assert {'Property': 'SessionStateChangeTime', 'Operator': 'LessThan', 'Value': '2026-12-01T04:00:00Z'} in \
        body['SearchFilters']
    # The catalog was read once (its name for the search), then one batch carried both logoffs.
    assert batch_items(api) == [[('GET', '/MachineCatalogs/Finance?fields=Id,Name', None)],
                                [('POST', '/Sessions/id-alice/$logoff', None), ('POST', '/Sessions/id-bob/$logoff', None)]]


def test_message_first_then_the_state(api):
    found(api, session('alice'))
    result = run_module(session_module.main, dict(ARGS, users='alice', state='hidden',
                                                  send_message=dict(title='Reboot', text='In 10 minutes')))
    assert result['results'][0]['message'] == 'sent'
    assert result['results'][0]['reason'] == 'message sent, hidden'
    message = json.dumps({'Title': 'Reboot', 'Text': 'In 10 minutes', 'Style': 'Information'})
    assert batch_items(api) == [[('POST', '/Sessions/id-alice/$sendMessage', message)],
                                [('POST', '/Sessions/id-alice/$hide', None)]]


def test_a_failed_item_fails_the_task_in_one_line_after_every_session(api):
    found(api, session('alice'), session('bob'))
    api.codes['/Sessions/id-alice/$unhide'] = 409
    result = run_module(session_module.main, dict(ARGS, users=['alice', 'bob'], state='visible'))
    assert result['results'][1]['status'] == 'unchanged'
    found(api, session('alice', hidden=True), session('bob', hidden=True))
    result = run_module(session_module.main, dict(ARGS, users=['alice', 'bob'], state='visible'))
    assert result['failed'] is True
    assert result['msg'].startswith('the session action failed for 1 of 2 sessions: id-alice: ')
    assert len(result['msg'].splitlines()) == 1
    assert [r['status'] for r in result['results']] == ['failed', 'changed']


def test_session_ids_read_in_batch_and_filtered(api):
    def answer(request, context):
        items = request.json()['Items']
        if items[0]['Method'] == 'GET':
            bodies = {'gone': None, 'a': session('alice'), 'b': session('bob', 'Disconnected')}
            ids = [item['RelativeUrl'].split('/')[2].split('?')[0] for item in items]
            return {'Items': [{'Reference': item['Reference'], 'Code': 404 if bodies[sid] is None else 200, 'Headers': [],
                               'Body': json.dumps(bodies[sid])} for item, sid in zip(items, ids)]}
        return {'Items': [{'Reference': item['Reference'], 'Code': 204, 'Headers': [], 'Body': None} for item in items]}
    api.post(MANAGE + '/$batch', json=answer)
    result = run_module(session_module.main, dict(ARGS, session_ids=['a', 'b', 'gone'], states='Active',
                                                  state='logged_off'))
    assert [(r['id'], r['status']) for r in result['results']] == [('id-alice', 'changed'), ('gone', 'gone'),
                                                                   ('id-bob', 'skipped')]


@pytest.mark.parametrize('args, message', [
    (dict(state='logged_off'), 'one of the following is required: session_ids, machines, catalogs, delivery_groups, users'),
    (dict(users='a'), 'one of the following is required: state, send_message'),
    (dict(users='a', state='logged_off', min_minutes_in_state=-1), 'min_minutes_in_state must be 0 or more, got -1'),
    (dict(users='a', send_message=dict(text=' ')), 'send_message.text must not be empty'),
    (dict(users=['a', ''], state='hidden'), 'users must not contain an empty entry'),
    (dict(users='a', state='asleep'), 'value of state must be one of: logged_off, disconnected, hidden, visible, got: asleep'),
])
def test_bad_input_fails_in_one_line(api, args, message):
    result = run_module(session_module.main, dict(ARGS, **args))
    assert result['failed'] is True
    assert message in result['msg'] and len(result['msg'].splitlines()) == 1
    assert api.batch.call_count == 0
