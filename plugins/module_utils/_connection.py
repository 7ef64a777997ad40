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

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import (
    DEPLOYMENTS,
    ON_PREMISES_CUSTOMER,
    REGION_HOSTS,
    DaaSClient,
)

# type: the Ansible option type; env: its environment variable; secret: never logged nor shown.
Option = namedtuple('Option', ['type', 'env', 'default', 'choices', 'secret'])

REGIONS = tuple(REGION_HOSTS)
OPTIONS = {
    'deployment': Option('str', 'CITRIX_DEPLOYMENT', 'cloud', DEPLOYMENTS, False),
    'customer_id': Option('str', 'CITRIX_CUSTOMER_ID', None, None, False),
    'client_id': Option('str', 'CITRIX_CLIENT_ID', None, None, False),
    'client_secret': Option('str', 'CITRIX_CLIENT_SECRET', None, None, True),
    'token': Option('str', 'CITRIX_ACCESS_TOKEN', None, None, True),
    'site_id': Option('str', 'CITRIX_SITE_ID', None, None, False),
    'region': Option('str', 'CITRIX_REGION', None, REGIONS, False),
    'api_url': Option('str', 'CITRIX_API_URL', None, None, False),
    'auth_url': Option('str', 'CITRIX_AUTH_URL', None, None, False),
    'controllers': Option('list', 'CITRIX_CONTROLLERS', None, None, False),
    'username': Option('str', 'CITRIX_USERNAME', None, None, False),
    'password': Option('str', 'CITRIX_PASSWORD', None, None, True),
    'validate_certs': Option('bool', None, True, None, False),
    'ca_path': Option('path', 'CITRIX_CA_PATH', None, None, False),
    'timeout': Option('float', None, 30.0, None, False),
    'retries': Option('int', None, 5, None, False),
}
# The options only one kind of site takes; the others it shares.
CLOUD_ONLY = ('customer_id', 'client_id', 'client_secret', 'region', 'api_url', 'auth_url')
ON_PREMISES_ONLY = ('controllers', 'username', 'password')
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
        if option.type == 'list':
            names = value.split(',') if isinstance(value, str) else value
            if not isinstance(names, (list, tuple)) or not all(isinstance(name, str) for name in names):
                raise ValueError
            return [name.strip() for name in names if name.strip()] or None
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
                                                          'int': 'a whole number',
                                                          'list': 'a list of texts'}[option.type], value))
        return None
    if not isinstance(value, str):
        problems.append('%s must be a text, got %s' % (name, type(value).__name__))
        return None
    value = value.strip()
    if option.choices and value.lower() not in option.choices:
        problems.append('%s must be one of %s, got %r' % (name, ', '.join(option.choices), value))
        return None
    return value.lower() if option.choices else value


def _given(settings, names):
    """The options among `names` that are set (the value or its environment variable)."""
    return [name for name in names if settings[name] not in (None, '', [])]


def _credential_problems(settings, name, secret):
    """What is wrong with the sign-in: neither a token nor the pair `name` and `secret`, or half of the pair."""
    if not settings['token'] and not (settings[name] and settings[secret]):
        return ['either token or %s and %s are required to sign in: set them or CITRIX_ACCESS_TOKEN, or %s and %s'
                % (name, secret, OPTIONS[name].env, OPTIONS[secret].env)]
    if bool(settings[name]) != bool(settings[secret]):
        missing = secret if settings[name] else name
        return ['%s and %s go together: %s is missing (or %s)' % (name, secret, missing, OPTIONS[missing].env)]
    return []


def _cloud_problems(settings):
    problems = []
    if not settings['customer_id']:
        problems.append('customer_id is required: set it or the CITRIX_CUSTOMER_ID environment variable')
    problems.extend(_credential_problems(settings, 'client_id', 'client_secret'))
    if settings['validate_certs'] is False:
        problems.append('validate_certs: false is refused for a Citrix Cloud site, whose hosts always have a trusted '
                        'certificate; set ca_path to trust another CA (only deployment: on_premises allows false)')
    wrong = _given(settings, ON_PREMISES_ONLY)
    if wrong:
        problems.append('%s: options of an on-premises site, which a Citrix Cloud site does not take (for a Delivery '
                        'Controller set deployment: on_premises, or CITRIX_DEPLOYMENT)' % ', '.join(wrong))
    return problems


def _on_premises_problems(settings):
    problems = []
    if not settings['controllers']:
        problems.append("controllers is required for an on-premises site: set it, or the CITRIX_CONTROLLERS "
                        "environment variable, to the Delivery Controller's address (one or more)")
    problems.extend(_credential_problems(settings, 'username', 'password'))
    username = settings['username']
    if username and not (username.count('\\') == 1 and all(part.strip() for part in username.split('\\'))):
        problems.append("username must be DOMAIN\\user (the user's Active Directory domain, a backslash, the user), "
                        "got %r" % username)
    given = settings['customer_id']
    wrong = [name for name in _given(settings, CLOUD_ONLY)
             if not (name == 'customer_id' and given.lower() == ON_PREMISES_CUSTOMER.lower())]
    if wrong:
        problems.append('%s: options of a Citrix Cloud site, which an on-premises site (deployment: on_premises) does '
                        'not take' % ', '.join(wrong))
    return problems


def connection_settings(values):
    """The connection settings of `values` (option name -> value, unset ones None), typed and checked.

    Raises ConnectionSettingsError naming every option that is missing or wrong, in one line.
    """
    problems = []
    settings = dict((name, _typed(name, values.get(name), problems)) for name in OPTIONS)
    if settings['deployment'] == 'on_premises':
        problems.extend(_on_premises_problems(settings))
    elif settings['deployment'] == 'cloud':
        problems.extend(_cloud_problems(settings))
        settings['region'] = settings['region'] or 'us'
    if problems:
        raise ConnectionSettingsError('; '.join(problems))
    return settings


def new_client(settings, **client_options):
    """A DaaSClient for checked settings (see connection_settings); `client_options` such as pool_size go to it."""
    return DaaSClient(**dict(settings, **client_options))
