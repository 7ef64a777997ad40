# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the catalog_info module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.modules import catalog_info
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret')
CATALOGS = [
    {'Id': 'c-1', 'Name': 'Pooled', 'FullName': 'Pooled', 'TotalCount': 2},
    {'Id': 'c-2', 'Name': 'Finance', 'FullName': 'Europe\\Finance', 'TotalCount': 1},
]
MACHINES = {
    'c-1': [{'Id': 'm-1', 'Name': 'DEMOLAB\\EAGLE'}, {'Id': 'm-2', 'Name': 'DEMOLAB\\OWL'}],
    'c-2': [{'Id': 'm-3', 'Name': 'DEMOLAB\\HAWK'}],
}


def not_found(name):
    return DaaSError("catalog '%s' was not found" % name, status=404, method='GET',
                     url='https://api.cloud.com/cvad/manage/MachineCatalogs/%s' % name, transaction_id='tx-404')


@pytest.fixture(name='client')
def fixture_client():
    with mock.patch('ansible_collections.citrix_cloud.daas.plugins.module_utils._connection.DaaSClient') as client_class:
        client = client_class.return_value
        client.list_catalogs.side_effect = lambda: [dict(catalog) for catalog in CATALOGS]
        client.catalog_machines.side_effect = lambda catalog_id: list(MACHINES[catalog_id])
        yield client


def test_returns_every_catalog(client):
    result = run_module(catalog_info.main, ARGS)
    assert result['failed'] is False
    assert result['changed'] is False
    assert result['catalogs'] == CATALOGS
    client.catalog_machines.assert_not_called()


def test_returns_one_catalog_by_name(client):
    client.get_catalog.return_value = dict(CATALOGS[1])
    result = run_module(catalog_info.main, dict(ARGS, name='Europe|Finance'))
    assert result['catalogs'] == [CATALOGS[1]]
    client.get_catalog.assert_called_once_with('Europe|Finance')
    client.list_catalogs.assert_not_called()


def test_include_machines_adds_each_catalogs_machines(client):
    result = run_module(catalog_info.main, dict(ARGS, include_machines=True))
    assert [catalog['Machines'] for catalog in result['catalogs']] == [MACHINES['c-1'], MACHINES['c-2']]
    assert sorted(call.args[0] for call in client.catalog_machines.call_args_list) == ['c-1', 'c-2']


def test_include_machines_of_one_catalog_uses_its_id(client):
    client.get_catalog.return_value = dict(CATALOGS[0])
    result = run_module(catalog_info.main, dict(ARGS, name='Pooled', include_machines=True), check_mode=True)
    assert result['catalogs'][0]['Machines'] == MACHINES['c-1']
    client.catalog_machines.assert_called_once_with('c-1')


def test_unknown_name_fails_with_the_clients_line(client):
    client.get_catalog.side_effect = not_found('Nope')
    result = run_module(catalog_info.main, dict(ARGS, name='Nope'))
    assert result['failed'] is True
    assert result['msg'] == "catalog 'Nope' was not found"
    assert result['error']['status'] == 404
    assert result['error']['transaction_id'] == 'tx-404'


def test_other_api_errors_are_not_turned_into_not_found(client):
    client.get_catalog.side_effect = DaaSError('Access denied: the API client lacks the permission for this call', status=403)
    result = run_module(catalog_info.main, dict(ARGS, name='Pooled'))
    assert result['failed'] is True
    assert result['msg'] == 'Access denied: the API client lacks the permission for this call: HTTP 403'
    client.list_catalogs.assert_not_called()


def test_machine_read_failure_fails_the_task(client):
    client.catalog_machines.side_effect = DaaSError('Service unavailable, still failing after retrying', status=503)
    result = run_module(catalog_info.main, dict(ARGS, include_machines=True))
    assert result['failed'] is True
    assert result['error']['status'] == 503
