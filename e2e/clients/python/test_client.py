"""The Python client generated from openapi/openapi.json by openapi-python-client, used
against flux-web on the test bed. e2e/clients/run generates the client, starts the servers
and the objects, and passes them in the environment."""

import os

from flux_web_client import Client
from flux_web_client.api.actions import list_actions, run_action
from flux_web_client.models import ActionListing, ActionRequest, ActionResponse, Problem

NAMESPACE = os.environ["FLUX_WEB_CLIENT_NAMESPACE"]
OBJECT = dict(group="kustomize.toolkit.fluxcd.io", kind="kustomizations", namespace=NAMESPACE, name="apps")


def admin():
    return Client(base_url=os.environ["FLUX_WEB_ADMIN_URL"], raise_on_unexpected_status=True)


def user():
    return Client(base_url=os.environ["FLUX_WEB_USER_URL"], raise_on_unexpected_status=True)


def test_lists_the_actions_of_a_kustomization():
    listing = list_actions.sync(client=admin(), **OBJECT)
    assert isinstance(listing, ActionListing)
    assert listing.target.kind == "Kustomization"
    reconcile = next(a for a in listing.actions if a.action == "reconcile")
    assert reconcile.allowed is True


def test_reconciles_a_kustomization():
    answer = run_action.sync_detailed(client=admin(), action="reconcile", body=ActionRequest(), **OBJECT)
    assert answer.status_code == 200
    assert isinstance(answer.parsed, ActionResponse)
    assert answer.parsed.changed is True
    assert answer.parsed.requested_at.endswith("Z")


def test_reads_the_problem_of_a_403():
    answer = run_action.sync_detailed(client=user(), action="reconcile", body=ActionRequest(), **OBJECT)
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.parsed
    assert isinstance(problem, Problem), answer.content
    assert problem.code == "forbidden"
    assert "may not reconcile" in problem.detail


def test_suspending_or_resuming_twice_answers_unchanged_with_what_holds():
    def act(action, body=None):
        answer = run_action.sync_detailed(client=admin(), action=action, body=body or ActionRequest(), **OBJECT)
        assert answer.status_code == 200, answer.content
        return answer.parsed

    assert act("suspend", ActionRequest(reason="maintenance")).changed is True
    again = act("suspend", ActionRequest(reason="maintenance"))
    assert again.changed is False
    assert again.suspension.reason == "maintenance"
    assert act("resume").changed is True
    assert act("resume").changed is False
