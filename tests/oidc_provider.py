"""A small but real OpenID Connect provider for the tests, served over HTTP on a free port.

It publishes a discovery document (at ProConnect's path), a JWKS with a fresh RSA key, and signs
its ID tokens and its userinfo (`application/jwt`) with it. There is no login screen: the test
says who signs in next (`next_login`), and the authorisation endpoint answers at once with a
code. Codes are single use. What the portal sent is kept for the tests to read.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BASE = "/api/v2"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # no access log in the test output
        pass


@dataclass
class Login:
    """The person the provider authenticates next, and how."""

    email: str
    sub: str = "sub-0001"
    acr: str = "eidas1"
    amr: list[str] = field(default_factory=lambda: ["pwd"])
    siret: str = ""
    given_name: str = "Camille"
    usual_name: str = "Martin"


@dataclass
class LocalProvider:
    client_id: str = "care-portal"
    client_secret: str = "provider-secret"  # noqa: S105
    next_login: Login | None = None
    # How the userinfo comes back: "signed", "tampered" (payload changed after signing),
    # "foreign" (signed with a key the JWKS does not publish), or "json" (not signed).
    userinfo_mode: str = "signed"
    # A nonce to put in the ID token instead of the one the portal sent.
    forced_nonce: str | None = None
    authorize_requests: list[dict] = field(default_factory=list)
    token_requests: list[dict] = field(default_factory=list)
    end_session_requests: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._foreign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._kid = secrets.token_hex(8)
        self._codes: dict[str, dict] = {}
        self._access_tokens: dict[str, Login] = {}
        self.issued_id_tokens: set[str] = set()
        self._server = make_server("127.0.0.1", 0, self._app, handler_class=_QuietHandler)
        assert isinstance(self._server, WSGIServer)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}{BASE}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- signing --------------------------------------------------------------------------------

    def _sign(self, claims: dict, *, key=None) -> str:
        return jwt.encode(claims, key or self._key, algorithm="RS256", headers={"kid": self._kid})

    def _jwks(self) -> dict:
        public = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [public | {"kid": self._kid, "alg": "RS256", "use": "sig"}]}

    # --- HTTP -------------------------------------------------------------------------------------

    def _app(self, environ, start_response):
        path = environ["PATH_INFO"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        form = {}
        if environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
        handlers = {
            f"{BASE}/.well-known/openid-configuration": self._discovery,
            f"{BASE}/authorize": self._authorize,
            f"{BASE}/token": self._token,
            f"{BASE}/userinfo": self._userinfo,
            f"{BASE}/jwks": lambda *_: (200, "application/json", json.dumps(self._jwks()), {}),
            f"{BASE}/session/end": self._end_session,
        }
        handler = handlers.get(path)
        if handler is None:
            status, content_type, body, headers = 404, "text/plain", "not found", {}
        else:
            status, content_type, body, headers = handler(query, form, environ)
        reasons = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 404: "NF"}
        start_response(
            f"{status} {reasons.get(status, 'X')}",
            [("Content-Type", content_type), *headers.items()],
        )
        return [body.encode()]

    def _discovery(self, query, form, environ):
        document = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/session/end",
            "id_token_signing_alg_values_supported": ["RS256"],
            "userinfo_signing_alg_values_supported": ["RS256"],
            "acr_values_supported": ["eidas1", "eidas2", "eidas3"],
        }
        return 200, "application/json", json.dumps(document), {}

    def _error(self, error: str, status: int = 400):
        return status, "application/json", json.dumps({"error": error}), {}

    def _authorize(self, query, form, environ):
        self.authorize_requests.append(query)
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return self._error("invalid_request")
        if self.next_login is None:
            return self._error("access_denied")
        code = secrets.token_urlsafe(24)
        self._codes[code] = {
            "login": self.next_login,
            "nonce": query.get("nonce"),
            "redirect_uri": query.get("redirect_uri"),
            "code_challenge": query.get("code_challenge"),
            "expires": time.time() + 60,
        }
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return 302, "text/plain", "", {"Location": target}

    def _token(self, query, form, environ):
        self.token_requests.append(form)
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return self._error("invalid_client", 401)
        grant = self._codes.pop(form.get("code", ""), None)  # single use
        if grant is None or grant["expires"] < time.time():
            return self._error("invalid_grant")
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return self._error("invalid_grant")
        if grant["code_challenge"]:
            from mozilla_django_oidc.utils import generate_code_challenge

            if (
                generate_code_challenge(form.get("code_verifier", ""), "S256")
                != (grant["code_challenge"])
            ):
                return self._error("invalid_grant")
        login: Login = grant["login"]
        now = int(time.time())
        id_token = self._sign(
            {
                "iss": self.issuer,
                "aud": self.client_id,
                "sub": login.sub,
                "iat": now,
                "exp": now + 60,
                "nonce": self.forced_nonce if self.forced_nonce is not None else grant["nonce"],
                "acr": login.acr,
                "amr": login.amr,
            }
        )
        self.issued_id_tokens.add(id_token)
        access_token = secrets.token_urlsafe(24)
        self._access_tokens[access_token] = login
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 60,
            "id_token": id_token,
        }
        return 200, "application/json", json.dumps(body), {}

    def _userinfo(self, query, form, environ):
        token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        login = self._access_tokens.get(token)
        if login is None:
            return self._error("invalid_token", 401)
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": login.sub,
            "email": login.email,
            "given_name": login.given_name,
            "usual_name": login.usual_name,
            "uid": "1234",
            "siret": login.siret,
        }
        if self.userinfo_mode == "json":
            return 200, "application/json", json.dumps(claims), {}
        if self.userinfo_mode == "foreign":
            return 200, "application/jwt", self._sign(claims, key=self._foreign_key), {}
        signed = self._sign(claims)
        if self.userinfo_mode == "tampered":
            header, _payload, signature = signed.split(".")
            forged = jwt.utils.base64url_encode(
                json.dumps(claims | {"email": "intruder@example.org"}).encode()
            ).decode()
            signed = f"{header}.{forged}.{signature}"
        return 200, "application/jwt", signed, {}

    def _end_session(self, query, form, environ):
        self.end_session_requests.append(query)
        if query.get("id_token_hint") not in self.issued_id_tokens:
            return self._error("invalid_request")
        target = query["post_logout_redirect_uri"]
        return (
            302,
            "text/plain",
            "",
            {"Location": f"{target}?{urlencode({'state': query['state']})}"},
        )


def follow_to_provider(location: str):
    """The provider's answer to the browser sent to `location`: where it sends it back to."""
    import requests

    response = requests.get(location, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    back = urlsplit(response.headers["Location"])
    return f"{back.path}?{back.query}"
