"""A version number past what the store holds is a 422 naming the field (before, the
store's refusal came back as a 422 without a field: "Value not storable"); the API caps
versions at 2**31 - 1 as the pools' policy does."""

from __future__ import annotations

from orderhub.bootstrap import Hub
from tests.api import api_client
from tests.factories import seed_network


def test_an_sla_policy_version_out_of_range_is_a_field_error(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as client:
        for version in (str(10**20), str(2**31)):
            r = client.get("/v1/sla/policy", params={"version": version})
            assert r.status_code == 422, (version, r.status_code, r.text)
            assert "version" in r.text
        assert client.get("/v1/sla/policy", params={"version": 0}).json()["version"] == 0
