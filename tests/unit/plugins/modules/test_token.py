# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the token module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.modules import token
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret')
TOKEN = dict(access_token='abc.def.ghi', token_type='bearer', expires_in=3600, expires_at='2026-11-23T17:09:00Z')


@pytest.fixture(name='client_class')
def fixture_client_class():
    with mock.patch('ansible_collections.citrix_cloud.daas.plugins.module_utils._connection.DaaSClient') as client_class:
        client_class.return_value.sign_in.return_value = dict(TOKEN)
        yield client_class


def test_returns_the_token_fields(client_class):
    result = run_module(token.main, ARGS)
    assert result['failed'] is False
    assert result['changed'] is False
    assert {key: result[key] for key in TOKEN} == TOKEN
    assert isinstance(result['expires_in'], int)
    client_class.return_value.sign_in.assert_called_once_with()


def test_passes_the_connection_options_to_the_client(client_class):
    run_module(token.main, dict(ARGS, region='eu', api_url='http://127.0.0.1:8080', ca_path='/ca.pem', retries=0))
    kwargs = client_class.call_args.kwargs
    assert kwargs['customer_id'] == 'democustomer'
    assert kwargs['client_id'] == '0b5f8a1c'
    assert kwargs['client_secret'] == 'unit-secret'
    assert kwargs['region'] == 'eu'
    assert kwargs['api_url'] == 'http://127.0.0.1:8080'
    assert kwargs['ca_path'] == '/ca.pem' and kwargs['validate_certs'] is True
    assert kwargs['retries'] == 0 and kwargs['deployment'] == 'cloud'


def test_signs_in_to_a_controller_with_a_domain_user(client_class):
    run_module(token.main, dict(deployment='on_premises', controllers=['ddc1.example.com', 'ddc2.example.com'],
                                username='DEMOLAB\\ctxadmin', password='p4ss'))
    kwargs = client_class.call_args.kwargs
    assert kwargs['deployment'] == 'on_premises' and kwargs['controllers'] == ['ddc1.example.com', 'ddc2.example.com']
    assert kwargs['username'] == 'DEMOLAB\\ctxadmin' and kwargs['password'] == 'p4ss'
    assert kwargs['customer_id'] is None and kwargs['region'] is None


def test_check_mode_signs_in_too(client_class):
    result = run_module(token.main, ARGS, check_mode=True)
    assert result['access_token'] == 'abc.def.ghi'
    assert result['changed'] is False


def test_needs_client_credentials(client_class):
    client_class.return_value.can_sign_in = False
    result = run_module(token.main, dict(customer_id='democustomer', token='existing-token'))
    assert result['failed'] is True
    assert 'client_id and client_secret' in result['msg']
    client_class.return_value.sign_in.assert_not_called()


def test_client_id_without_secret_is_refused(client_class):
    result = run_module(token.main, dict(customer_id='democustomer', client_id='0b5f8a1c'))
    assert result['failed'] is True
    assert 'client_id' in result['msg'] and 'client_secret' in result['msg']


def test_sign_in_failure_is_one_line_with_details(client_class):
    client_class.return_value.sign_in.side_effect = DaaSError(
        'Sign-in failed: check customer_id, client_id and client_secret', status=400, method='POST',
        url='https://api-us.cloud.com/cctrustoauth2/democustomer/tokens/clients', api_message='Invalid client id or client secret.')
    result = run_module(token.main, ARGS)
    assert result['failed'] is True
    assert result['msg'].startswith('Sign-in failed: check customer_id, client_id and client_secret: HTTP 400 on POST ')
    assert '\n' not in result['msg']
    assert result['error']['status'] == 400
    assert result['error']['api_message'] == 'Invalid client id or client secret.'
    assert 'unit-secret' not in str(result)
