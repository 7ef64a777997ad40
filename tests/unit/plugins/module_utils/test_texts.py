# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the message texts: secrets are masked before a message is cut, and names as Studio shows them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import string

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSClient
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._texts import ONE_LINE_LIMIT, one_line, studio_name

API = "http://gateway.test"
# 128 capital letters: no run of five of them is in the filler, the messages, the URL or a transaction id.
TOKEN = (string.ascii_uppercase * 5)[:128]
FILLER = "~"
# Every offset at which the token starts before, across and after the cut.
OFFSETS = range(ONE_LINE_LIMIT - len(TOKEN) - 2, ONE_LINE_LIMIT + 3)


def shows_part_of_token(text, least=5):
    """True when any `least` consecutive characters of the token appear in the text."""
    return any(TOKEN[start:start + least] in text for start in range(len(TOKEN) - least + 1))


def test_the_token_has_the_length_of_the_cut_case():
    assert len(TOKEN) == 128 and not shows_part_of_token(FILLER * 400 + " HTTP 400 on GET " + API + "/cvad/manage/Machines")


@pytest.mark.parametrize("offset", OFFSETS)
def test_one_line_masks_before_it_cuts(offset):
    text = FILLER * offset + TOKEN + FILLER * 50
    if offset <= ONE_LINE_LIMIT - 5:
        assert shows_part_of_token(one_line(text))  # cut before masking, a part would show
    masked = one_line(text, mask=lambda value: value.replace(TOKEN, "********"))
    assert not shows_part_of_token(masked) and len(masked) <= ONE_LINE_LIMIT + 3


def client():
    return DaaSClient(customer_id="democustomer", token=TOKEN, site_id="site-1", api_url=API, auth_url=API, retries=0)


@pytest.mark.parametrize("offset", OFFSETS)
def test_a_gateway_that_echoes_the_token_in_a_text_body_shows_none_of_it(requests_mock, offset):
    requests_mock.get(API + "/cvad/manage/Machines/m1", status_code=400,
                      text=FILLER * offset + "Authorization: CwsAuth Bearer=" + TOKEN + FILLER * 50)
    with pytest.raises(DaaSError) as caught:
        client().get_machine("m1")
    assert not shows_part_of_token(str(caught.value))
    assert not shows_part_of_token(json.dumps(caught.value.to_dict()))


@pytest.mark.parametrize("offset", OFFSETS)
def test_a_body_that_is_not_json_shows_none_of_the_token(requests_mock, offset):
    requests_mock.get(API + "/cvad/manage/Machines/m1", status_code=200,
                      text="<html>" + FILLER * offset + TOKEN + FILLER * 50)
    with pytest.raises(DaaSError) as caught:
        client().get_machine("m1")
    assert caught.value.message == "The API answered with a body that is not valid JSON"
    assert not shows_part_of_token(str(caught.value))


@pytest.mark.parametrize("offset", range(1000 - len(TOKEN) - 2, 1003))
def test_an_error_message_cut_at_1000_characters_shows_none_of_the_token(requests_mock, offset):
    requests_mock.get(API + "/cvad/manage/Machines/m1", status_code=400,
                      json={"ErrorMessage": FILLER * offset + TOKEN + FILLER * 50})
    with pytest.raises(DaaSError) as caught:
        client().get_machine("m1")
    assert not shows_part_of_token(str(caught.value))


@pytest.mark.parametrize("name, shown", [
    ("Finance|Finance-Shared", "Finance\\Finance-Shared"),
    ("Europe|Finance|Pooled", "Europe\\Finance\\Pooled"),
    ("Finance\\Finance-Shared", "Finance\\Finance-Shared"),
    ("W11-Pooled", "W11-Pooled"),
    (None, None),
])
def test_studio_name_shows_the_folder_path_with_backslashes(name, shown):
    assert studio_name(name) == shown


def test_the_reboot_report_names_catalogs_as_studio_shows_them():
    from ansible_collections.citrix_cloud.daas.plugins.plugin_utils._reboot import build_summary, report
    summary = build_summary({'candidates': [], 'skipped': [], 'fences': []},
                            catalogs=['Kiosk-Pool', 'Finance|Finance-Shared'])
    assert summary['catalogs'] == ['Kiosk-Pool', 'Finance\\Finance-Shared']
    assert 'Catalogs Kiosk-Pool, Finance\\Finance-Shared:' in report(summary, 25)['lines'][0]


@pytest.mark.parametrize("api", ["https://api.example.test", "http://api.example.test"])
def test_a_proxy_that_does_not_answer_is_named_without_its_password(monkeypatch, api):
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, "http://proxyuser:proxy-pass-9d1@127.0.0.1:9")
    with pytest.raises(DaaSError) as caught:
        DaaSClient(customer_id="democustomer", token=TOKEN, site_id="site-1", api_url=api, auth_url=api,
                   retries=0).get_machine("m1")
    message = str(caught.value)
    assert message.startswith("Cannot connect to the proxy http://127.0.0.1:9 on the way to %s: " % api)
    assert ": check HTTPS_PROXY, HTTP_PROXY and NO_PROXY" in message
    assert '"))' not in message and "proxy-pass-9d1" not in message and "proxyuser" not in message
