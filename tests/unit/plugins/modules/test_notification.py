# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the notification module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import uuid
from unittest import mock

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.modules import notification
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret', title='Dinner Time',
            description='Fish and Chips!')


@pytest.fixture(name='client')
def fixture_client():
    with mock.patch('ansible_collections.citrix_cloud.daas.plugins.module_utils._connection.DaaSClient') as client_class:
        client = client_class.return_value
        client.send_notification.side_effect = lambda body: dict(body, categories=None, data=None, externalId=None,
                                                                 suppressEmail=False)
        yield client


def test_sends_the_body_of_the_walkthrough(client):
    result = run_module(notification.main, ARGS)
    assert result['changed'] is True
    body = client.send_notification.call_args[0][0]
    assert sorted(body) == ['component', 'content', 'createdDate', 'destinationAdmin', 'eventId', 'priority', 'severity']
    assert body['destinationAdmin'] == '*'
    assert body['component'] == 'Citrix Cloud'
    assert body['severity'] == 'Information'
    assert body['priority'] == 'Normal'
    assert body['content'] == [{'languageTag': 'en-US', 'title': 'Dinner Time', 'description': 'Fish and Chips!'}]
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', body['createdDate'])
    assert str(uuid.UUID(body['eventId'])) == body['eventId']
    assert result['notification']['suppressEmail'] is False


def test_options_fill_the_body_and_each_event_id_is_new(client):
    args = dict(ARGS, severity='Critical', priority='High', destination_admin='admin@example.com', component='Reboots',
                language_tag='de-DE')
    run_module(notification.main, args)
    run_module(notification.main, args)
    first, second = [c[0][0] for c in client.send_notification.call_args_list]
    assert (first['severity'], first['priority'], first['destinationAdmin'], first['component']) == \
        ('Critical', 'High', 'admin@example.com', 'Reboots')
    assert first['content'][0]['languageTag'] == 'de-DE'
    assert first['eventId'] != second['eventId']


def test_check_mode_sends_nothing(client):
    result = run_module(notification.main, ARGS, check_mode=True)
    assert result['changed'] is True
    assert result['notification']['content'][0]['title'] == 'Dinner Time'
    client.send_notification.assert_not_called()


def test_invalid_severity_is_refused(client):
    result = run_module(notification.main, dict(ARGS, severity='Fatal'))
    assert result['failed'] is True
    assert 'severity' in result['msg']
    client.send_notification.assert_not_called()


def test_api_error_fails_in_one_line(client):
    client.send_notification.side_effect = DaaSError('Access denied', status=403, method='POST',
                                                     url='https://api.cloud.com/notifications/')
    result = run_module(notification.main, ARGS)
    assert result['failed'] is True
    assert result['msg'] == 'Access denied: HTTP 403 on POST https://api.cloud.com/notifications/'
