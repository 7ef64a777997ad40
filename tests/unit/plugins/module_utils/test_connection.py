# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection layer: one table of options, one check, one way to a client, for modules, inventory and events."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

import pytest
import yaml

from ansible_collections.citrix_cloud.daas.plugins.doc_fragments.daas import ModuleDocFragment
from ansible_collections.citrix_cloud.daas.plugins.module_utils import _connection as connection
from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import daas_argument_spec

BUILDS_CLIENT = re.compile(r'(?:=|return|\()\s*DaaSClient\(')
CLOUD = dict(customer_id='cust', client_id='cid', client_secret='s3cret')


def test_the_module_argument_spec_is_the_option_table():
    spec = daas_argument_spec()
    assert sorted(spec) == sorted(connection.OPTIONS)
    assert spec['client_secret']['no_log'] is True and spec['token']['no_log'] is True
    assert spec['customer_id']['fallback'][1] == ['CITRIX_CUSTOMER_ID']
    assert spec['timeout']['default'] == 30 and spec['retries']['default'] == 5


def test_the_doc_fragment_documents_every_option_and_its_inventory_variant_only_adds_env():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    inventory = yaml.safe_load(ModuleDocFragment.INVENTORY)['options']
    assert sorted(documented) == sorted(connection.OPTIONS)
    assert all(list(entry) == ['env'] for entry in inventory.values())
    assert dict((name, entry['env'][0]['name']) for name, entry in inventory.items()) == dict(
        (name, option.env) for name, option in connection.OPTIONS.items() if option.env)
    for name, entry in documented.items():
        option = connection.OPTIONS[name]
        assert entry['type'] == option.type and entry.get('default') == option.default, name
        assert tuple(entry.get('choices') or ()) == tuple(option.choices or ()), name


def test_settings_are_typed_with_their_defaults():
    settings = connection.connection_settings(dict(CLOUD, timeout='12.5', retries='3', validate_certs='yes', region='EU'))
    assert settings['timeout'] == 12.5 and settings['retries'] == 3 and settings['validate_certs'] is True
    assert settings['region'] == 'eu'
    defaults = connection.connection_settings(CLOUD)
    assert defaults['region'] == 'us' and defaults['timeout'] == 30 and defaults['validate_certs'] is True


def test_the_environment_fills_what_is_not_given():
    values = connection.environment_values(dict(customer_id='', token=None, region='jp'),
                                           dict(CITRIX_CUSTOMER_ID='env-cust', CITRIX_ACCESS_TOKEN='tok',
                                                CITRIX_REGION='eu'))
    assert values == dict(customer_id='env-cust', token='tok', region='jp')


@pytest.mark.parametrize('values, message', [
    ({}, 'customer_id is required: set it or the CITRIX_CUSTOMER_ID environment variable; either token or client_id '
         'and client_secret are required to sign in'),
    (dict(customer_id='c', client_id='x', token='t'), 'client_id and client_secret go together: client_secret is missing'),
    (dict(CLOUD, region='mars'), "region must be one of us, eu, ap-s, jp, got 'mars'"),
    (dict(CLOUD, retries=1.5), 'retries must be a whole number, got 1.5'),
    (dict(CLOUD, timeout='soon'), "timeout must be a number, got 'soon'"),
    (dict(CLOUD, validate_certs='maybe'), "validate_certs must be true or false, got 'maybe'"),
    (dict(CLOUD, site_id=['a']), 'site_id must be a text, got list'),
])
def test_unusable_settings_are_one_line_naming_each_option(values, message):
    with pytest.raises(connection.ConnectionSettingsError) as failure:
        connection.connection_settings(values)
    assert str(failure.value).startswith(message) and '\n' not in str(failure.value)


def test_a_client_from_the_settings_never_shows_the_secret():
    client = connection.new_client(connection.connection_settings(dict(CLOUD, api_url='http://127.0.0.1:9')), pool_size=4)
    assert client.customer_id == 'cust' and client.api_url == 'http://127.0.0.1:9'
    assert 's3cret' not in repr(client)


def test_only_the_connection_layer_builds_a_client():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
    builders = []
    for folder in ('plugins', 'extensions'):
        for directory, _dirs, files in os.walk(os.path.join(root, folder)):
            for name in files:
                path = os.path.join(directory, name)
                if name.endswith('.py') and BUILDS_CLIENT.search(open(path, encoding='utf-8').read()):
                    builders.append(os.path.relpath(path, root))
    assert sorted(builders) == ['plugins/module_utils/_connection.py']


ON_PREMISES = dict(deployment='on_premises', controllers='ddc1.demolab.example, ddc2.demolab.example',
                   username='DEMOLAB\\ctxadmin', password='p4ss')


def test_on_premises_settings_take_controllers_from_a_comma_separated_text():
    settings = connection.connection_settings(ON_PREMISES)
    assert settings['controllers'] == ['ddc1.demolab.example', 'ddc2.demolab.example']
    assert settings['region'] is None and settings['customer_id'] is None
    assert connection.connection_settings(dict(ON_PREMISES, validate_certs=False))['validate_certs'] is False


@pytest.mark.parametrize('values, message', [
    (dict(deployment='on_premises', username='DEMOLAB\\u', password='p'),
     'controllers is required for an on-premises site'),
    (dict(ON_PREMISES, username=None, password=None), 'either token or username and password are required'),
    (dict(ON_PREMISES, password=None, token='t'), 'username and password go together: password is missing'),
    (dict(ON_PREMISES, username='ctxadmin'), "username must be DOMAIN\\user (the user's Active Directory domain, a "
                                             "backslash, the user), got 'ctxadmin'"),
    (dict(ON_PREMISES, username='DEMOLAB\\'), 'username must be DOMAIN\\user'),
    (dict(ON_PREMISES, region='eu', client_id='x'), 'client_id, region: options of a Citrix Cloud site, which an '
                                                    'on-premises site (deployment: on_premises) does not take'),
    (dict(CLOUD, controllers=['ddc1']), 'controllers: options of an on-premises site, which a Citrix Cloud site does '
                                        'not take'),
    (dict(CLOUD, validate_certs=False), 'validate_certs: false is refused for a Citrix Cloud site'),
    (dict(CLOUD, deployment='onprem'), "deployment must be one of cloud, on_premises, got 'onprem'"),
])
def test_unusable_on_premises_settings_are_one_line(values, message):
    with pytest.raises(connection.ConnectionSettingsError) as failure:
        connection.connection_settings(values)
    assert message in str(failure.value) and '\n' not in str(failure.value)


def test_the_on_premises_customer_may_be_named():
    assert connection.connection_settings(dict(ON_PREMISES, customer_id='CitrixOnPremises'))['deployment'] == 'on_premises'
