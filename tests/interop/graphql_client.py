"""Drives the portal's GraphQL API with gql (PyPI), a client no one here
wrote: the downloadable schema validates every query on the client side,
cursor pagination walks the agents, trust history and certification read
back, revenue and a statement's lines read with a production key (a sandbox
key and another partner's statement are refused), and the server's scope,
depth and complexity refusals arrive as
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
check(cert["state"] == "certified" and any(t["to"] == "review" for t in cert["timeline"]), f"certification {cert}")
hooks = full.execute(gql("{ webhooks { id deliveries(last: 3) { status } } }"))["webhooks"]
check(isinstance(hooks, list), f"webhooks {hooks}")

narrow = client(os.environ["NARROW_KEY"])
errors = refused(narrow, "{ certification { state } }")
check(errors and errors[0]["extensions"]["code"] == "insufficient_scope", f"a missing scope is refused {errors}")

errors = refused(full, "{ revenue { monthToDate { minorUnits } } }")
check(errors and errors[0]["extensions"]["code"] == "production_only", f"a sandbox key reads no revenue {errors}")

live = client(os.environ["LIVE_KEY"])
rev = live.execute(
    gql(
        """{ revenue {
             monthToDate { minorUnits currency display }
             months { month revenue { minorUnits currency } commission { minorUnits } }
             statements { id status currency linesTotal { minorUnits } }
           } }"""
    )
)["revenue"]
mine = [s for s in rev["statements"] if s["id"] == os.environ["A_STATEMENT"]]
check(len(rev["statements"]) == 1 and len(mine) == 1, f"the partner's own statements only {rev['statements']}")
check(rev["months"][-1]["revenue"] == {"minorUnits": "1500", "currency": "USD"}, f"this month's revenue {rev['months']}")
check(
    rev["monthToDate"][0]["minorUnits"] == rev["months"][-1]["commission"]["minorUnits"]
    and rev["monthToDate"][0]["display"].endswith(" USD"),
    f"commission this month {rev['monthToDate']}",
)

lines_query = gql(
    """query Lines($id: ID!, $after: String) {
         revenue { statement(id: $id) {
           status
           lines(first: 1, after: $after) {
             edges { cursor node { kind externalId base { minorUnits } amount { minorUnits } rateBps rule } }
             pageInfo { hasNextPage endCursor }
           }
         } }
       }"""
)
lines, after = [], None
while True:
    st = live.execute(lines_query, variable_values={"id": os.environ["A_STATEMENT"], "after": after})
    page = st["revenue"]["statement"]["lines"]
    lines += [e["node"] for e in page["edges"]]
    if not page["pageInfo"]["hasNextPage"]:
        break
    after = page["pageInfo"]["endCursor"]
check(
    [line["externalId"] for line in lines] == ["inv-a", "inv-a2"]
    and [line["base"]["minorUnits"] for line in lines] == ["1000", "500"],
    f"a statement's lines page by cursor {lines}",
)
total = sum(int(line["amount"]["minorUnits"]) for line in lines)
check(str(total) == mine[0]["linesTotal"]["minorUnits"], f"the lines add up to the statement's total {total}")
errors = refused(live, '{ revenue { statement(id: "%s") { id } } }' % os.environ["B_STATEMENT"])
check(errors and errors[0]["extensions"]["code"] == "not_found", f"another partner's statement is not found {errors}")

big = "{ agents(first: 100) { edges { node { id name trustScore history(last: 50) { eventId outcome scoreBefore scoreAfter at } } } } }"
errors = refused(full, big)
check(errors and "complex" in errors[0]["message"].lower(), f"too complex a query is refused {errors}")

deep = "{ __schema { types { " + "ofType { " * 20 + "name" + " }" * 20 + " } } }"
errors = refused(full, deep)
check(errors and "deep" in errors[0]["message"].lower(), f"too deep a query is refused {errors}")

r = requests.post(f"{BASE}/api/graphql", headers={"Host": HOST}, json={"query": "{ me { organisation } }"})
check(r.status_code == 401 and r.json()["error"]["code"] == "unauthorized", "no credential is the REST API's 401")
print("all GraphQL checks passed")
