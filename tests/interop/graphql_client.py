"""Drives the portal's GraphQL API with gql (PyPI), a client no one here
wrote: the downloadable schema validates every query on the client side,
cursor pagination walks the agents, trust history and certification read
back, and the server's scope, depth and complexity refusals arrive as
GraphQL errors with the REST API's codes.

Run by tests/it/graphql.rs against the server binary.
"""

import os
import sys

import requests
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport

BASE = os.environ["PORTAL_BASE"]
HOST = os.environ["PORTAL_HOST"]


def check(ok, what):
    if not ok:
        sys.exit(f"FAILED: {what}")
    print(f"ok: {what}")


sdl = requests.get(f"{BASE}/api/graphql/schema.graphql", headers={"Host": HOST}).text
check("type Query" in sdl and "trustScore" in sdl, "the schema downloads")


def client(key):
    transport = RequestsHTTPTransport(
        url=f"{BASE}/api/graphql", headers={"Host": HOST, "Authorization": f"Bearer {key}"}, retries=0
    )
    # The downloaded schema validates queries before they are sent.
    return Client(transport=transport, schema=sdl)


def refused(c, query):
    try:
        c.execute(gql(query))
    except TransportQueryError as e:
        return e.errors
    return None


full = client(os.environ["FULL_KEY"])
me = full.execute(gql("{ me { organisation environment scopes } }"))["me"]
check(me["environment"] == "sandbox" and "agents:read" in me["scopes"], f"me {me}")

page_query = gql(
    """query Page($after: String) {
         agents(first: 2, after: $after) {
           edges { cursor node { id name trustScore } }
           pageInfo { hasNextPage endCursor }
         }
       }"""
)
seen, after, pages = [], None, 0
while True:
    page = full.execute(page_query, variable_values={"after": after})["agents"]
    pages += 1
    seen += [e["node"]["id"] for e in page["edges"]]
    if not page["pageInfo"]["hasNextPage"]:
        break
    after = page["pageInfo"]["endCursor"]
check(pages == 2 and len(seen) == 3 and len(set(seen)) == 3, f"cursor pagination walked {seen} in {pages} pages")

first = os.environ["AGENT"]
agent = full.execute(gql('{ agent(id: "%s") { trustScore history(last: 5) { outcome scoreBefore scoreAfter } } }' % first))
agent = agent["agent"]
check(agent["trustScore"] == 490 and [h["outcome"] for h in agent["history"]] == ["timeout"], f"history {agent}")
cert = full.execute(gql("{ certification { state timeline { from to } } }"))["certification"]
check(cert["state"] == "development" and any(t["to"] == "development" for t in cert["timeline"]), f"certification {cert}")
hooks = full.execute(gql("{ webhooks { id deliveries(last: 3) { status } } }"))["webhooks"]
check(isinstance(hooks, list), f"webhooks {hooks}")

narrow = client(os.environ["NARROW_KEY"])
errors = refused(narrow, "{ certification { state } }")
check(errors and errors[0]["extensions"]["code"] == "insufficient_scope", f"a missing scope is refused {errors}")

big = "{ agents(first: 100) { edges { node { id name trustScore history(last: 50) { eventId outcome scoreBefore scoreAfter at } } } } }"
errors = refused(full, big)
check(errors and "complex" in errors[0]["message"].lower(), f"too complex a query is refused {errors}")

deep = "{ __schema { types { " + "ofType { " * 20 + "name" + " }" * 20 + " } } }"
errors = refused(full, deep)
check(errors and "deep" in errors[0]["message"].lower(), f"too deep a query is refused {errors}")

r = requests.post(f"{BASE}/api/graphql", headers={"Host": HOST}, json={"query": "{ me { organisation } }"})
check(r.status_code == 401 and r.json()["error"]["code"] == "unauthorized", "no credential is the REST API's 401")
print("all GraphQL checks passed")
