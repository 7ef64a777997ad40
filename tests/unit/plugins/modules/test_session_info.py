# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the session_info module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.modules import session_info
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret')
SESSIONS = [{'Id': 'c12a6ce8', 'State': 'Active', 'SessionType': 'Desktop', 'AppState': 'Desktop'}]


@pytest.fixture(name='client')
def fixture_client():
    with mock.patch('ansible_collections.citrix_cloud.daas.plugins.module_utils._connection.DaaSClient') as client_class:
        yield client_class.return_value


def test_returns_the_sessions_of_the_machine(client):
    client.machine_sessions.return_value = SESSIONS
    result = run_module(session_info.main, dict(ARGS, machine='DEMOLAB\\EAGLE'))
    assert result['failed'] is False
    assert result['changed'] is False
    assert result['sessions'] == SESSIONS
    client.machine_sessions.assert_called_once_with('DEMOLAB\\EAGLE')


def test_idle_machine_has_no_sessions(client):
    client.machine_sessions.return_value = []
    assert run_module(session_info.main, dict(ARGS, machine='DEMOLAB\\OWL'), check_mode=True)['sessions'] == []


def test_unknown_machine_fails_in_one_line(client):
    client.machine_sessions.side_effect = DaaSError("machine 'DEMOLAB\\NOPE' was not found", status=404, method='GET',
                                                    url='https://api.cloud.com/cvad/manage/Machines/DEMOLAB%7CNOPE/Sessions')
    result = run_module(session_info.main, dict(ARGS, machine='DEMOLAB\\NOPE'))
    assert result['failed'] is True
    assert result['msg'].startswith("machine 'DEMOLAB\\NOPE' was not found: HTTP 404 on GET ")
    assert result['error']['status'] == 404


def test_without_a_machine_the_selector_is_searched(client):
    client.session_scope_names.return_value = (['DEMOLAB\\EAGLE'], ['Finance'], [])
    client.select_sessions.return_value = (SESSIONS, [], [])
    result = run_module(session_info.main, dict(ARGS, machines='EAGLE-ID', catalogs='cat-1', users='alice',
                                                states=['Active']))
    assert result['failed'] is False and result['sessions'] == SESSIONS
    client.session_scope_names.assert_called_once_with(['EAGLE-ID'], ['cat-1'], ())
    session_ids, filters = client.select_sessions.call_args[0]
    assert session_ids == () and client.select_sessions.call_args[1] == {'fields': None}
    assert filters == [{'Property': 'MachineName', 'Operator': 'Equals', 'Value': 'DEMOLAB\\EAGLE'},
                       {'Property': 'MachineCatalog', 'Operator': 'Equals', 'Value': 'Finance'},
                       {'Property': 'UserName', 'Operator': 'Equals', 'Value': 'alice'},
                       {'Property': 'SessionState', 'Operator': 'Equals', 'Value': 'Active'}]


def test_a_machine_sessions_are_filtered_here(client):
    client.machine_sessions.return_value = [dict(SESSIONS[0], User={'SamName': 'DEMOLAB\\alice'}),
                                            dict(SESSIONS[0], Id='other', User={'SamName': 'DEMOLAB\\bob'})]
    result = run_module(session_info.main, dict(ARGS, machine='DEMOLAB\\EAGLE', users=['bob']))
    assert [session['Id'] for session in result['sessions']] == ['other']
    client.select_sessions.assert_not_called()


def test_machine_and_machines_exclude_each_other(client):
    result = run_module(session_info.main, dict(ARGS, machine='DEMOLAB\\EAGLE', machines=['DEMOLAB\\OWL']))
    assert result['failed'] is True
    assert 'mutually exclusive: machine|machines' in result['msg']
    client.machine_sessions.assert_not_called()
