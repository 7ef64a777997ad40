# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's version, as galaxy.yml states it (a unit test keeps the two equal)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

COLLECTION_VERSION = "0.1.0"
