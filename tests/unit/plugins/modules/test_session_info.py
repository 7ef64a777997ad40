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


def test_machine_is_required(client):
    result = run_module(session_info.main, ARGS)
    assert result['failed'] is True
    assert 'machine' in result['msg']
    client.machine_sessions.assert_not_called()
