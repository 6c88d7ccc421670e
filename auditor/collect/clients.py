"""The Azure SDK clients of a run, their credential, and one shared HTTP session.

Every read is an ``azure.core.rest.HttpRequest`` of ``requests.py`` sent with a client's public
``send_request`` (answers stay raw JSON). The azure-mgmt-resource-* and management-group clients
offer that method; the Monitor, PolicyInsights, Authorization and Resource Graph clients do not
(theirs is private or absent), so those reads go through azure-mgmt-core's public
``AsyncARMPipelineClient`` with the same policies. No private SDK name is used.

Azure mode: ``DefaultAzureCredential`` with the cloud's authority, token scope of the cloud's ARM
endpoint. Emulator mode: :class:`StaticTokenCredential` (a placeholder, never a real identity);
``DefaultAzureCredential`` is not even imported.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from azure.mgmt.core import AsyncARMPipelineClient
from azure.mgmt.managementgroups.aio import ManagementGroupsMgmtClient
from azure.mgmt.resource.policy.aio import PolicyClient
from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

from auditor.collect.options import CLOUDS, CollectOptions
from auditor.collect.pipeline import Gate, StaticTokenCredential, Stats, build_policies, make_transport

# Clients bound to a subscription need one at construction; every request this tool sends
# carries its subscription in its URL (requests.py), so the value is unused.
_UNUSED_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"


@dataclass
class Clients:
    """One client per provider family; each has a public ``send_request`` and its own policy chain."""

    management_groups: ManagementGroupsMgmtClient
    subscriptions: SubscriptionClient
    policy: PolicyClient
    monitor: AsyncARMPipelineClient[Any, Any]
    policy_insights: AsyncARMPipelineClient[Any, Any]
    authorization: AsyncARMPipelineClient[Any, Any]
    resource_graph: AsyncARMPipelineClient[Any, Any]
    credential: Any = None  # shared with the data-plane clients of --verify-delivery
    transport: Any = None


async def open_clients(options: CollectOptions, stats: Stats, gate: Gate, stack: AsyncExitStack) -> Clients:
    """Create every client on one transport; ``stack`` closes them, the session and the credential."""
    endpoint, scope = options.endpoint, options.token_scope
    credential: Any
    if options.emulator:
        credential = StaticTokenCredential()
    else:
        from azure.identity.aio import DefaultAzureCredential  # only ever loaded for real Azure

        credential = DefaultAzureCredential(authority=CLOUDS[options.cloud_name].authority_host)
    await stack.enter_async_context(credential)
    transport, session = make_transport(options.concurrency, str(options.ca_cert) if options.ca_cert else None)
    stack.push_async_callback(session.close)

    def common() -> dict[str, Any]:
        return {"base_url": endpoint, "credential_scopes": [scope], "transport": transport,
                "policies": build_policies(endpoint, scope, credential, stats, gate, options.retry_backoff)}

    def arm_client() -> AsyncARMPipelineClient[Any, Any]:
        return AsyncARMPipelineClient(endpoint, transport=transport, policies=build_policies(
            endpoint, scope, credential, stats, gate, options.retry_backoff))

    clients = Clients(
        management_groups=ManagementGroupsMgmtClient(credential, **common()),
        subscriptions=SubscriptionClient(credential, **common()),
        policy=PolicyClient(credential, _UNUSED_SUBSCRIPTION, **common()),
        monitor=arm_client(),
        policy_insights=arm_client(),
        authorization=arm_client(),
        resource_graph=arm_client(),
    )
    for client in vars(clients).values():
        if client is not None:
            stack.push_async_callback(client.close)
    clients.credential, clients.transport = credential, transport
    return clients
