"""Drives the portal's OAuth 2.0 authorization server with Authlib's client
(PyPI), which no one here wrote: client credentials, the authorization code
with PKCE through the consent form, refresh token rotation, reuse detection,
revocation and introspection, and calls to /api/v1 with each token.

Run by tests/it/oauth_interop.rs against the server binary; the settings
come from the environment. Exits non-zero with a message on any surprise.
"""

import os
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
import requests

BASE = os.environ["PORTAL_BASE"]
HOST = os.environ["PORTAL_HOST"]
TOKEN_URL = f"{BASE}/oauth/token"
CALLBACK = "http://127.0.0.1:8765/callback"


def check(ok, what):
    if not ok:
        sys.exit(f"FAILED: {what}")
    print(f"ok: {what}")


def session(s):
    # The server answers for the brand the Host names; the socket is loopback.
    s.headers["Host"] = HOST
    return s


def api_status(token, path="/api/v1/agents"):
    r = requests.get(f"{BASE}{path}", headers={"Host": HOST, "Authorization": f"Bearer {token}"})
    return r.status_code


def oauth_error(call):
    try:
        call()
    except Exception as e:  # Authlib raises its OAuthError with the code.
        return str(e)
    return None


class HiddenFields(HTMLParser):
    """The consent form's hidden fields, as a browser would post them."""

    def __init__(self):
        super().__init__()
        self.fields = {}
        self.in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("action") == "/oauth/authorize":
            self.in_form = True
        elif tag == "input" and self.in_form and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False


# 1. Client credentials (a confidential app, secret by HTTP Basic).
app = session(OAuth2Session(os.environ["CONFIDENTIAL_ID"], os.environ["CONFIDENTIAL_SECRET"],
                            token_endpoint_auth_method="client_secret_basic"))
token = app.fetch_token(TOKEN_URL, grant_type="client_credentials")
check(token["token_type"].lower() == "bearer" and "refresh_token" not in token, "client credentials token, no refresh")
r = app.get(f"{BASE}/api/v1/certification")
check(r.status_code == 200, f"the API takes the client credentials token ({r.status_code} {r.text[:200]})")
info = app.introspect_token(f"{BASE}/oauth/introspect", token=token["access_token"]).json()
check(info.get("active") is True and info.get("client_id") == os.environ["CONFIDENTIAL_ID"], f"introspection {info}")
r = app.revoke_token(f"{BASE}/oauth/revoke", token=token["access_token"], token_type_hint="access_token")
check(r.status_code == 200, "revocation answers 200")
info = app.introspect_token(f"{BASE}/oauth/introspect", token=token["access_token"]).json()
check(info == {"active": False}, f"revoked token is inactive {info}")
check(api_status(token["access_token"], "/api/v1/certification") == 401, "the API refuses the revoked token")
bad = session(OAuth2Session(os.environ["CONFIDENTIAL_ID"], "cs_wrong", token_endpoint_auth_method="client_secret_basic"))
err = oauth_error(lambda: bad.fetch_token(TOKEN_URL, grant_type="client_credentials"))
check(err is not None and "invalid_client" in err, f"a wrong secret is invalid_client ({err})")

# 2. The authorization code with PKCE (a public app), through the consent form.
public = session(OAuth2Session(os.environ["PUBLIC_ID"], redirect_uri=CALLBACK, scope="agents:read",
                               code_challenge_method="S256", token_endpoint_auth_method="none"))
verifier = generate_token(64)
url, state = public.create_authorization_url(f"{BASE}/oauth/authorize", code_verifier=verifier)
browser = requests.Session()
browser.headers.update({"Host": HOST, "Cookie": os.environ["OWNER_COOKIE"]})
path = url[len(BASE):]
page = browser.get(f"{BASE}{path}", headers={"Accept": "text/html"})
check(page.status_code == 200 and "Allow" in page.text, f"the consent screen shows ({page.status_code})")
form = HiddenFields()
form.feed(page.text)
check(form.fields.get("code_challenge") and form.fields.get("state") == state, f"the form carries the request {form.fields}")
answer = browser.post(f"{BASE}/oauth/authorize", data={**form.fields, "decision": "allow"}, allow_redirects=False,
                      headers={"Origin": f"https://{HOST}"})
location = answer.headers.get("Location", "")
check(answer.status_code in (302, 303) and location.startswith(CALLBACK), f"consent redirects to the app ({location})")
check(parse_qs(urlsplit(location).query).get("iss") is not None, "the response names its issuer (RFC 9207)")
token = public.fetch_token(TOKEN_URL, authorization_response=location, code_verifier=verifier)
check("refresh_token" in token and token["scope"] == "agents:read", f"code exchanged for tokens ({token.get('scope')})")
check(api_status(token["access_token"]) == 200, "the API takes the person's access token")

# 3. Refresh tokens rotate; a used one coming back ends the grant.
first_refresh = token["refresh_token"]
token = public.refresh_token(TOKEN_URL)
check(token["refresh_token"] != first_refresh, "the refresh token changed on use")
check(api_status(token["access_token"]) == 200, "the refreshed access token works")
err = oauth_error(lambda: public.refresh_token(TOKEN_URL, refresh_token=first_refresh))
check(err is not None and "invalid_grant" in err, f"a reused refresh token is refused ({err})")
check(api_status(token["access_token"]) == 401, "reuse revoked the grant's access token")
err = oauth_error(lambda: public.refresh_token(TOKEN_URL))
check(err is not None and "invalid_grant" in err, f"and its current refresh token ({err})")
print("all OAuth interoperability checks passed")
