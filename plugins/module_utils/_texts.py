# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Texts of the API and of the messages to the user: RFC 3339 timestamps, one-line messages, lists of names. No HTTP,
no machines."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re
from collections.abc import Mapping, Sequence

UTC = datetime.timezone.utc
ONE_LINE_LIMIT = 300
_RFC3339 = re.compile(
    r'^\s*(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?'
    r'\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$'
)


def parse_rfc3339(value):
    """An aware datetime for an RFC 3339 text (no zone means UTC), or None when it is empty or not one."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    match = _RFC3339.match(value)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or '0')[:6].ljust(6, '0'))
    tzinfo = UTC
    if zone and zone not in ('Z', 'z'):
        sign = -1 if zone[0] == '-' else 1
        digits = zone[1:].replace(':', '')
        tzinfo = datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))
    try:
        return datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro,
                                 tzinfo=tzinfo)
    except ValueError:
        return None


def one_line(text, limit=ONE_LINE_LIMIT, mask=None):
    """The text on one line (white space folded), its secrets masked by `mask(text)` when given, then cut at `limit`
    characters (None: never cut), so that no part of a secret survives the cut."""
    text = str(text) if mask is None else str(mask(str(text)))
    text = ' '.join(text.split())
    return text if limit is None or len(text) <= limit else text[:limit] + '...'


def studio_name(name):
    """A catalog or delivery group name as Citrix Studio shows it: the API's folder path `Folder|Name` becomes
    `Folder\\Name`."""
    return str(name).replace('|', '\\') if name is not None else name


def name_list(value, option):
    """A list of non-empty, trimmed texts from a list, or from comma-separated text (extra vars, AWX surveys).

    Raises ValueError naming `option` for anything else.
    """
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(',')
    elif isinstance(value, Mapping) or not isinstance(value, Sequence):
        raise ValueError('%s must be a list of strings or comma-separated text, got %s' % (option, type(value).__name__))
    return [text for text in (str(item).strip() for item in value if item is not None) if text]
