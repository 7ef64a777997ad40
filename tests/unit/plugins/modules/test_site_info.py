# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the site_info module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.modules import site_info
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret')
SITE = {'Id': '3061173e-6a8e-4b9a-9d4e-2f4a5b6c7d8e', 'Name': 'samplecloudsite'}
ME = {
    'UserId': '9690c023', 'DisplayName': 'John Smith', 'ExpiryTime': '5:19:11 AM', 'RefreshExpirationTime': '4:19:11 PM',
    'Customers': [{'Id': 'democustomer', 'Name': None, 'Sites': [SITE]}],
}


@pytest.fixture(name='client')
def fixture_client():
    with mock.patch('ansible_collections.citrix_cloud.daas.plugins.module_utils._connection.DaaSClient') as client_class:
        client = client_class.return_value
        client.me.return_value = ME
        client.customer_id = 'democustomer'
        type(client).site_id = mock.PropertyMock(return_value=SITE['Id'])
        yield client


def test_returns_customers_site_and_user(client):
    result = run_module(site_info.main, ARGS)
    assert result['failed'] is False
    assert result['changed'] is False
    assert result['customers'] == ME['Customers']
    assert result['site_id'] == SITE['Id']
    assert result['user'] == {'UserId': '9690c023', 'DisplayName': 'John Smith'}


def test_check_mode_returns_the_same(client):
    assert run_module(site_info.main, ARGS, check_mode=True)['site_id'] == SITE['Id']


def test_several_sites_fail_with_the_clients_explanation(client):
    type(client).site_id = mock.PropertyMock(side_effect=DaaSError(
        "Customer 'democustomer' has 2 sites: a (One), b (Two); set site_id to choose one"))
    result = run_module(site_info.main, ARGS)
    assert result['failed'] is True
    assert result['msg'] == "Customer 'democustomer' has 2 sites: a (One), b (Two); set site_id to choose one"


def test_given_site_id_of_the_customer_is_returned(client):
    result = run_module(site_info.main, dict(ARGS, site_id=SITE['Id'].upper()))
    assert result['failed'] is False


def test_given_site_id_that_is_not_the_customers_fails_listing_its_sites(client):
    result = run_module(site_info.main, dict(ARGS, site_id='not-a-site'))
    assert result['failed'] is True
    assert result['msg'] == ("site 'not-a-site' is not a site of customer 'democustomer'; "
                             "its sites: 3061173e-6a8e-4b9a-9d4e-2f4a5b6c7d8e (samplecloudsite)")


def test_api_failure_is_reported_with_its_details(client):
    client.me.side_effect = DaaSError('Access denied: the API client lacks the permission for this call', status=403,
                                      method='GET', url='https://api.cloud.com/cvad/manage/me', transaction_id='tx-1')
    result = run_module(site_info.main, ARGS)
    assert result['failed'] is True
    assert result['msg'] == ('Access denied: the API client lacks the permission for this call: '
                             'HTTP 403 on GET https://api.cloud.com/cvad/manage/me (transaction tx-1)')
    assert result['error']['transaction_id'] == 'tx-1'
