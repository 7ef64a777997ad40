# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DaaSClient against an on-premises Delivery Controller: Basic sign-in, ExpiresAt, failover, $batch, TLS, secrets."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import datetime
import json
import warnings

import pytest
import requests

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import BatchRequest, DaaSClient
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError

DDC = "https://ddc1.demolab.example"
DDC2 = "https://ddc2.demolab.example"
USER = "DEMOLAB\\ctxadmin"
PASSWORD = "p4ss-w0rd-Secret"
BASIC = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
SITE = "site-1"


def expires_at(seconds):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def token_body(token="ddc-token-1", seconds=3600):
    return {"Token": token, "ExpiresAt": expires_at(seconds), "Principal": "ctxadmin", "UserId": "S-1-5-21",
            "CustomerId": "CitrixOnPremises"}


def make_client(controllers=(DDC,), **kwargs):
    kwargs.setdefault("username", USER)
    kwargs.setdefault("password", PASSWORD)
    kwargs.setdefault("retries", 0)
    return DaaSClient(deployment="on_premises", controllers=list(controllers), site_id=SITE,
                      sleep=lambda seconds: None, **kwargs)


def test_signs_in_with_basic_authentication_and_reads_expires_at(requests_mock):
    route = requests_mock.post(DDC + "/cvad/manage/Tokens", json=token_body())
    machines = requests_mock.get(DDC + "/cvad/manage/Machines", json={"Items": [{"Id": "m1"}]})
    client = make_client()
    assert client.list_machines() == [{"Id": "m1"}]
    assert route.call_count == 1 and route.last_request.headers["Authorization"] == BASIC
    assert 3590 <= client.sign_in()["expires_in"] <= 3600 and route.call_count == 1
    headers = machines.last_request.headers
    assert headers["Authorization"] == "CwsAuth Bearer=ddc-token-1"
    assert headers["Citrix-CustomerId"] == "CitrixOnPremises" and headers["Citrix-InstanceId"] == SITE


def test_a_controller_without_the_documented_endpoint_is_asked_where_citrix_clients_ask(requests_mock):
    documented = requests_mock.post(DDC + "/cvad/manage/Tokens", status_code=404)
    orchestration = requests_mock.post(DDC + "/citrix/orchestration/api/tokens", json=token_body())
    client = make_client()
    client.sign_in()
    client._token_expiry = 0  # the token is due for renewal: the endpoint that answered is asked again
    client.sign_in()
    assert documented.call_count == 1 and orchestration.call_count == 2


def test_a_token_near_its_expiry_is_renewed_and_a_401_signs_in_again(requests_mock):
    route = requests_mock.post(DDC + "/cvad/manage/Tokens", [{"json": token_body("t1", seconds=30)},
                                                             {"json": token_body("t2")}, {"json": token_body("t3")}])
    requests_mock.get(DDC + "/cvad/manage/Machines/m1", [{"status_code": 401}, {"json": {"Id": "m1"}}])
    client = make_client()
    client.sign_in()
    assert client.get_machine("m1") == {"Id": "m1"}
    assert route.call_count == 3


@pytest.mark.parametrize("status", [401, 403])
def test_a_wrong_password_is_one_line_without_the_credentials(requests_mock, status):
    requests_mock.post(DDC + "/cvad/manage/Tokens", status_code=status,
                       text='{"ErrorMessage": "Denied for %s (%s)"}' % (PASSWORD, BASIC.split()[1]))
    with pytest.raises(DaaSError) as caught:
        make_client().sign_in()
    text = str(caught.value)
    assert text.startswith("Sign-in to the Delivery Controller failed: check username (DOMAIN\\user) and password")
    assert PASSWORD not in text and BASIC.split()[1] not in text and "\n" not in text


def test_the_next_controller_serves_when_the_first_does_not_answer(requests_mock):
    refused = requests_mock.post(DDC + "/cvad/manage/Tokens", exc=requests.exceptions.ConnectTimeout("timed out"))
    second = requests_mock.post(DDC2 + "/cvad/manage/Tokens", json=token_body())
    requests_mock.get(DDC2 + "/cvad/manage/Machines/m1", json={"Id": "m1"})
    client = make_client(controllers=(DDC, DDC2), retries=3)
    assert client.get_machine("m1") == {"Id": "m1"}
    assert refused.call_count == 1 and second.call_count == 1 and client.api_url == DDC2
    assert client.warnings == ["Delivery Controller %s does not answer (Timed out connecting to %s after 30 s): using %s"
                               % (DDC, DDC, DDC2)]


def test_when_no_controller_answers_the_last_failure_is_reported(requests_mock):
    requests_mock.post(DDC + "/cvad/manage/Tokens", exc=requests.exceptions.ConnectTimeout("timed out"))
    requests_mock.post(DDC2 + "/cvad/manage/Tokens", exc=requests.exceptions.ConnectTimeout("timed out"))
    with pytest.raises(DaaSError) as caught:
        make_client(controllers=(DDC, DDC2)).sign_in()
    assert str(caught.value).startswith("Timed out connecting to %s" % DDC2)


def test_batch_items_name_the_customer_and_site_in_their_url(requests_mock):
    requests_mock.post(DDC + "/cvad/manage/Tokens", json=token_body())
    route = requests_mock.post(DDC + "/cvad/manage/$batch", json={"Items": [
        {"Reference": "r0", "Code": 204, "Headers": [], "Body": None}]})
    outcomes = make_client().batch([BatchRequest("PATCH", "/Machines/m1", {"InMaintenanceMode": True})])
    assert outcomes[0].status == 204
    assert route.last_request.json()["Items"][0]["RelativeUrl"] == "/CitrixOnPremises/%s/Machines/m1" % SITE


def test_notifications_are_refused_without_a_request(requests_mock):
    with pytest.raises(DaaSError, match="^Notifications: a Citrix Cloud service, which an on-premises site"):
        make_client().send_notification({"title": "x"})
    assert requests_mock.call_count == 0


def test_an_untrusted_certificate_says_how_to_trust_it(requests_mock):
    failure = requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                                           "self-signed certificate (_ssl.c:1006)")
    requests_mock.post(DDC + "/cvad/manage/Tokens", exc=failure)
    with pytest.raises(DaaSError) as caught:
        make_client().sign_in()
    assert str(caught.value).startswith(
        "The Delivery Controller %s has a TLS certificate that is not trusted (self-signed certificate (_ssl.c:1006)): "
        "set ca_path to the certificate of the CA that issued it (for a self-signed certificate, the certificate "
        "itself), or validate_certs to false (insecure, on-premises only)" % DDC)


def test_validate_certs_false_warns(requests_mock):
    assert make_client(validate_certs=False).warnings == [
        "validate_certs is false: the Delivery Controller's certificate is not verified; set ca_path to the "
        "certificate of the CA that issued it instead"]


def test_validate_certs_false_hides_urllib3s_warning_of_every_request():
    from urllib3.exceptions import InsecureRequestWarning
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        make_client()
        warnings.warn("Unverified HTTPS request", InsecureRequestWarning)
        assert [w.category for w in shown] == [InsecureRequestWarning]  # a verifying client leaves it alone
        make_client(validate_certs=False)
        for _request in range(3):
            warnings.warn("Unverified HTTPS request", InsecureRequestWarning)
        warnings.warn("another warning", UserWarning)
    assert [w.category for w in shown] == [InsecureRequestWarning, UserWarning]


def test_no_form_of_the_credentials_is_ever_shown(requests_mock):
    requests_mock.post(DDC + "/cvad/manage/Tokens", json=token_body())
    echoed = json.dumps({"ErrorMessage": "%s %s %s" % (PASSWORD, BASIC, USER + ":" + PASSWORD)})
    requests_mock.get(DDC + "/cvad/manage/Machines/m1", status_code=400, text=echoed)
    client = make_client()
    with pytest.raises(DaaSError) as caught:
        client.get_machine("m1")
    text = str(caught.value) + repr(client)
    assert PASSWORD not in text and BASIC.split()[1] not in text and "ddc-token-1" not in text
    assert "DEMOLAB" in repr(client)


def test_a_controller_given_by_host_name_is_reached_over_https():
    client = make_client(controllers=("ddc1.demolab.example", "http://ddc2:8080/"))
    assert client.api_url == "https://ddc1.demolab.example" and client._controllers[1] == "http://ddc2:8080"
    assert client.customer_id == "CitrixOnPremises" and client.region is None
