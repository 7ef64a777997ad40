"""The simulator as an on-premises Delivery Controller (``--deployment on_premises``), over real sockets."""

import base64

import pytest
import requests

from tests.simulator.launcher import running
from tests.simulator.scenario import DOMAIN_PASSWORD, DOMAIN_USER

from conftest import SITE_ID
from test_schema import check, spec  # noqa: F401  # pylint: disable=unused-import

CUSTOMER = "CitrixOnPremises"


@pytest.fixture(scope="module", name="controller")
def fixture_controller():
    """One simulator answering as a Delivery Controller (integration scenario), reset before each test."""
    with running(scenario="integration", time_scale=30, deployment="on_premises") as sim:
        yield sim


@pytest.fixture(name="ddc")
def fixture_ddc(controller):
    requests.post(controller.url + "/_sim/reset", json={"scenario": "integration"}, timeout=30).raise_for_status()
    return controller.url


def basic(user=DOMAIN_USER, password=DOMAIN_PASSWORD):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def sign_in(ddc, path="/cvad/manage/Tokens", **credentials):
    return requests.post(ddc + path, headers={"Authorization": basic(**credentials), "Accept": "application/json"},
                         timeout=30)


def call(ddc, token, method, path, site_in_header=True, **kwargs):
    headers = {"Authorization": "CWSAuth bearer=%s" % token, "Accept": "application/json",
               "Citrix-CustomerId": CUSTOMER}
    if site_in_header:
        headers["Citrix-InstanceId"] = SITE_ID
    return requests.request(method, ddc + path, headers=headers, timeout=30, **kwargs)


def requests_log(ddc):
    return requests.get(ddc + "/_sim/requests", timeout=30).json()["requests"]


@pytest.mark.parametrize("path", ["/cvad/manage/Tokens", "/citrix/orchestration/api/tokens",
                                  "/citrix/orchestration/api/techpreview/tokens"])
def test_a_domain_user_signs_in_at_either_token_endpoint_and_gets_the_spec_token_model(ddc, spec, path):  # noqa: F811
    response = sign_in(ddc, path)
    assert response.status_code == 200, response.text
    body = response.json()
    check(spec, body, "POST", "/tokens")
    assert body["CustomerId"] == CUSTOMER and body["Token"] and body["ExpiresAt"].endswith("Z")
    assert [entry["sign_in"] for entry in requests_log(ddc)] == [True]


@pytest.mark.parametrize("credentials, status", [
    (dict(password="wrong"), 401), (dict(user="ctxadmin"), 400), (dict(user="OTHER\\ctxadmin"), 401)])
def test_wrong_credentials_are_refused(ddc, credentials, status):
    response = sign_in(ddc, **credentials)
    assert response.status_code == status and "ErrorMessage" in response.json()


def test_the_site_is_found_with_me_and_served_under_both_base_paths(ddc):
    token = sign_in(ddc).json()["Token"]
    me = call(ddc, token, "GET", "/cvad/manage/me", site_in_header=False).json()
    assert me["Customers"][0]["Id"] == CUSTOMER and me["Customers"][0]["Sites"][0]["Id"] == SITE_ID
    documented = call(ddc, token, "GET", "/cvad/manage/Machines", params={"limit": 5, "fields": "Id,Name"}).json()
    in_path = call(ddc, token, "GET", "/citrix/orchestration/api/%s/%s/Machines" % (CUSTOMER, SITE_ID),
                   site_in_header=False, params={"limit": 5, "fields": "Id,Name"}).json()
    assert [m["Id"] for m in documented["Items"]] == [m["Id"] for m in in_path["Items"]] and len(in_path["Items"]) == 5


def test_another_customer_is_refused(ddc):
    token = sign_in(ddc).json()["Token"]
    response = requests.get(ddc + "/cvad/manage/Machines", timeout=30, headers={
        "Authorization": "CWSAuth bearer=" + token, "Accept": "application/json", "Citrix-CustomerId": "democustomer",
        "Citrix-InstanceId": SITE_ID})
    assert response.status_code == 403


def test_batch_items_must_name_customer_and_site(ddc):
    token = sign_in(ddc).json()["Token"]
    machine = call(ddc, token, "GET", "/cvad/manage/Machines", params={"limit": 1, "fields": "Id"}).json()["Items"][0]
    items = [{"Reference": "plain", "Method": "GET", "RelativeUrl": "/Machines/%s" % machine["Id"],
              "Headers": [{"Name": "Authorization", "Value": "Bearer " + token}]},
             {"Reference": "prefixed", "Method": "GET",
              "RelativeUrl": "/%s/%s/Machines/%s?fields=Name" % (CUSTOMER, SITE_ID, machine["Id"]),
              "Headers": [{"Name": "Authorization", "Value": "Bearer " + token}]}]
    answer = call(ddc, token, "POST", "/cvad/manage/$batch", json={"Items": items}).json()
    codes = dict((item["Reference"], item["Code"]) for item in answer["Items"])
    assert codes == {"plain": 400, "prefixed": 200}


@pytest.mark.parametrize("method, path", [
    ("POST", "/cctrustoauth2/root/tokens/clients"), ("POST", "/notifications/"), ("GET", "/resourcelocations")])
def test_citrix_cloud_endpoints_are_not_there(ddc, method, path):
    assert requests.request(method, ddc + path, timeout=30).status_code == 404


def test_a_cloud_simulator_has_no_controller_sign_in():
    with running(scenario="integration") as cloud:
        assert sign_in(cloud.url).status_code in (401, 404)
        assert requests.post(cloud.url + "/citrix/orchestration/api/tokens", timeout=30).status_code == 404


def test_a_self_signed_controller_is_refused_until_its_certificate_is_trusted():
    with running(scenario="integration", deployment="on_premises", tls=True, args=["--self-signed"]) as sim:
        with pytest.raises(requests.exceptions.SSLError, match="self-signed certificate"):
            sign_in(sim.url)
        response = requests.post(sim.url + "/cvad/manage/Tokens", headers={"Authorization": basic()},
                                 verify=sim.ca_file, timeout=30)
        assert response.status_code == 200


def test_the_shipped_scenario_is_a_controller_by_its_own_switch():
    with running(scenario="on_premises") as sim:
        assert sign_in(sim.url).status_code == 200
        assert requests.post(sim.url + "/cctrustoauth2/root/tokens/clients", timeout=30).status_code == 404
