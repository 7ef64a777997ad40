# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connection settings every part of the collection shares: the options, their environment variables, their one
check and a ready DaaSClient.

Modules (`_base.py`), the inventory plugin and the event source each read the options their own way (an argument
spec, `get_option`, rulebook arguments) and hand the values to `connection_settings` and `new_client`.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections import namedtuple

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import REGION_HOSTS, DaaSClient

# type: the Ansible option type; env: its environment variable; secret: never logged nor shown.
Option = namedtuple('Option', ['type', 'env', 'default', 'choices', 'secret'])

REGIONS = tuple(REGION_HOSTS)
OPTIONS = {
    'customer_id': Option('str', 'CITRIX_CUSTOMER_ID', None, None, False),
    'client_id': Option('str', 'CITRIX_CLIENT_ID', None, None, False),
    'client_secret': Option('str', 'CITRIX_CLIENT_SECRET', None, None, True),
    'token': Option('str', 'CITRIX_ACCESS_TOKEN', None, None, True),
    'site_id': Option('str', 'CITRIX_SITE_ID', None, None, False),
    'region': Option('str', 'CITRIX_REGION', None, REGIONS, False),
    'api_url': Option('str', 'CITRIX_API_URL', None, None, False),
    'auth_url': Option('str', 'CITRIX_AUTH_URL', None, None, False),
    'validate_certs': Option('bool', None, True, None, False),
    'ca_path': Option('path', None, None, None, False),
    'timeout': Option('float', None, 30.0, None, False),
    'retries': Option('int', None, 5, None, False),
}
TRUE_TEXTS = ('true', 'yes', 'on', '1')
FALSE_TEXTS = ('false', 'no', 'off', '0')


class ConnectionSettingsError(ValueError):
    """Connection options that cannot be used; the message names each option and what is wrong with it."""


def environment_values(values, environ):
    """The values given, an unset (or empty) one taken from its environment variable."""
    found = dict(values)
    for name, option in OPTIONS.items():
        if found.get(name) in (None, '') and option.env and environ.get(option.env) not in (None, ''):
            found[name] = environ[option.env]
    return found


def _typed(name, value, problems):
    """The value as the option's type; None (and a problem) when it cannot be one."""
    option = OPTIONS[name]
    if value is None or value == '':
        return option.default
    try:
        if option.type == 'bool':
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in TRUE_TEXTS + FALSE_TEXTS:
                return text in TRUE_TEXTS
            raise ValueError
        if option.type == 'float':
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if option.type == 'int':
            if isinstance(value, bool) or float(value) != int(float(value)):
                raise ValueError
            return int(float(value))
    except (TypeError, ValueError, OverflowError):
        problems.append('%s must be %s, got %r' % (name, {'bool': 'true or false', 'float': 'a number',
                                                          'int': 'a whole number'}[option.type], value))
        return None
    if not isinstance(value, str):
        problems.append('%s must be a text, got %s' % (name, type(value).__name__))
        return None
    value = value.strip()
    if option.choices and value.lower() not in option.choices:
        problems.append('%s must be one of %s, got %r' % (name, ', '.join(option.choices), value))
        return None
    return value.lower() if option.choices else value


def connection_settings(values):
    """The connection settings of `values` (option name -> value, unset ones None), typed and checked.

    Raises ConnectionSettingsError naming every option that is missing or wrong, in one line.
    """
    problems = []
    settings = dict((name, _typed(name, values.get(name), problems)) for name in OPTIONS)
    if not settings['customer_id']:
        problems.append('customer_id is required: set it or the CITRIX_CUSTOMER_ID environment variable')
    if not settings['token'] and not (settings['client_id'] and settings['client_secret']):
        problems.append('either token or client_id and client_secret are required to sign in: set them or '
                        'CITRIX_ACCESS_TOKEN, or CITRIX_CLIENT_ID and CITRIX_CLIENT_SECRET')
    elif bool(settings['client_id']) != bool(settings['client_secret']):
        missing = 'client_secret' if settings['client_id'] else 'client_id'
        problems.append('client_id and client_secret go together: %s is missing (or %s)' % (missing, OPTIONS[missing].env))
    if problems:
        raise ConnectionSettingsError('; '.join(problems))
    settings['region'] = settings['region'] or 'us'
    return settings


def new_client(settings, **client_options):
    """A DaaSClient for checked settings (see connection_settings); `client_options` such as pool_size go to it."""
    return DaaSClient(**dict(settings, **client_options))
