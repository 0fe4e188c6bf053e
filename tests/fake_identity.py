"""A fake Bot Framework identity provider on loopback: the OpenID metadata and JWKS that
botbuilder checks incoming tokens against, and the login endpoint msal gets the bot's outgoing
token from. Real signatures with a test RSA key; nothing in botbuilder is patched.

Wire it in with ``Settings(**identity.settings_kwargs())`` (in process) or ``identity.env()``
(a subprocess such as ``oncall serve``): the app id and password, and the four endpoint
settings botbuilder reads (``TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL``,
``TO_BOT_FROM_CHANNEL_TOKEN_ISSUER``, ``TO_CHANNEL_FROM_BOT_LOGIN_URL``,
``TO_CHANNEL_FROM_BOT_OAUTH_SCOPE``).

Edge cases a test should know:

- It serves HTTPS (msal accepts only an ``https`` authority) with a self-signed certificate for
  127.0.0.1. ``start()`` sets ``REQUESTS_CA_BUNDLE`` for the process to a bundle of certifi's
  roots plus that certificate (harmless to anything else, left set); ``env()`` carries it too.
- It runs in a thread with its own loop: botbuilder and msal call it synchronously from the
  bot's loop.
- The keys are generated once per process and shared by every instance, so botbuilder's
  day-long metadata cache (per URL, class level) never holds a wrong key, even when a port is
  reused. ``token(other_key=True)`` signs with a second key under the same ``kid``.
- botbuilder allows five minutes of clock skew: an "expired" token needs ``expires_in`` below
  -300 (``EXPIRED`` is -3600).
- Channel tokens carry no ``ver`` or ``appid`` claim, as the Bot Framework's: with them
  botbuilder would take the token for a skill's.
"""

from __future__ import annotations

import base64
import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.loopback_thread import LoopbackThread
from tests.tls_cert import ca_bundle_path, server_ssl_context

__all__ = ["EXPIRED", "KID", "FakeIdentity", "fake_identity"]

KID = "fake-teams-key-1"
EXPIRED = -3600
TENANT = "botframework.com"
_SCOPE = "https://api.botframework.com"
_keys: dict[str, rsa.RSAPrivateKey] = {}
_keys_lock = threading.Lock()


def _key(name: str) -> rsa.RSAPrivateKey:
    with _keys_lock:
        if name not in _keys:
            _keys[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _keys[name]


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": kid,
        "n": _b64(numbers.n),
        "e": _b64(numbers.e),
        "endorsements": ["msteams"],
    }


class FakeIdentity:
    """The identity provider. ``with FakeIdentity() as identity:`` or ``start()``/``stop()``.

    ``issued`` records each outgoing token it handed out: ``{"client_id", "scope", "aud",
    "token"}``; ``refused`` the token requests it refused (wrong client id, secret or scope),
    with ``"error"``. Both are appended from the server's thread.
    """

    def __init__(self, app_id: str = "test-app-id", app_password: str = "test-app-password"):
        self.app_id = app_id
        self.app_password = app_password
        self.oauth_scope = _SCOPE
        self.issued: list[dict[str, Any]] = []
        self.refused: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = LoopbackThread(self._app, server_ssl_context())

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeIdentity:
        """Binds a free port, serves, and trusts the test certificate in ``requests``."""
        _key("main"), _key("other")
        os.environ["REQUESTS_CA_BUNDLE"] = ca_bundle_path()
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> FakeIdentity:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- URLs ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if not self._server.port:
            raise RuntimeError("FakeIdentity is not started")
        return f"https://127.0.0.1:{self._server.port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    @property
    def issuer(self) -> str:
        """The issuer of channel tokens (``TO_BOT_FROM_CHANNEL_TOKEN_ISSUER``)."""
        return f"{self.base_url}/channel"

    @property
    def login_url(self) -> str:
        """The msal authority (``TO_CHANNEL_FROM_BOT_LOGIN_URL``): ``https://host/tenant``."""
        return f"{self.base_url}/{TENANT}"

    @property
    def login_issuer(self) -> str:
        """The issuer of the outgoing tokens it hands the bot."""
        return f"{self.login_url}/v2.0"

    @property
    def ca_bundle(self) -> str:
        return ca_bundle_path()

    def settings_kwargs(self) -> dict[str, Any]:
        """``Settings(**kwargs)`` by alias: the app and the four endpoint settings."""
        return {
            "MICROSOFT_APP_ID": self.app_id,
            "MICROSOFT_APP_PASSWORD": self.app_password,
            "MICROSOFT_APP_TYPE": "MultiTenant",
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": self.metadata_url,
            "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": self.issuer,
            "TO_CHANNEL_FROM_BOT_LOGIN_URL": self.login_url,
            "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": self.oauth_scope,
        }

    def env(self) -> dict[str, str]:
        """Environment for a subprocess: ``settings_kwargs()`` and ``REQUESTS_CA_BUNDLE``."""
        values = {name: str(value) for name, value in self.settings_kwargs().items()}
        values["REQUESTS_CA_BUNDLE"] = self.ca_bundle
        return values

    # --- tokens ----------------------------------------------------------------------------
    def token(
        self,
        *,
        service_url: str,
        audience: str | None = None,
        expires_in: int = 3600,
        other_key: bool = False,
        issuer: str | None = None,
        kid: str | None = None,
    ) -> str:
        """A channel token for the bot, as the Bot Framework sends in ``Authorization``."""
        now = int(time.time())
        exp = now + expires_in
        claims = {
            "iss": issuer or self.issuer,
            "aud": audience or self.app_id,
            "serviceurl": service_url,
            "nbf": min(now, exp) - 600,
            "iat": min(now, exp) - 600,
            "exp": exp,
        }
        key = _key("other" if other_key else "main")
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid or KID})

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a valid outgoing token it issued (signature, issuer, audience = the
        OAuth scope, expiry), else None."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                _key("main").public_key(),
                algorithms=["RS256"],
                audience=self.oauth_scope,
                issuer=self.login_issuer,
            )
        except jwt.PyJWTError:
            return None
        return claims

    def _outgoing_token(self, client_id: str, audience: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.login_issuer,
            "aud": audience,
            "appid": client_id,
            "azp": client_id,
            "ver": "2.0",
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + 3600,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, _key("main"), algorithm="RS256", headers={"kid": KID})

    # --- the server ------------------------------------------------------------------------
    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        app.router.add_get(f"/{TENANT}/v2.0/.well-known/openid-configuration", self._tenant)
        app.router.add_post(f"/{TENANT}/oauth2/v2.0/token", self._token)
        return app

    async def _metadata(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.base_url}/v1/authorize",
                "jwks_uri": f"{self.base_url}/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [_jwk(_key("main"), KID)]})

    async def _tenant(self, request: web.Request) -> web.Response:
        """msal's tenant discovery: ``{authority}/v2.0/.well-known/openid-configuration``."""
        return web.json_response(
            {
                "issuer": self.login_issuer,
                "authorization_endpoint": f"{self.login_url}/oauth2/v2.0/authorize",
                "token_endpoint": f"{self.login_url}/oauth2/v2.0/token",
                "jwks_uri": f"{self.base_url}/v1/.well-known/keys",
                "response_types_supported": ["code", "id_token", "token"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        """The client-credentials grant msal sends (``client_secret`` in the form)."""
        form = await request.post()
        client_id = str(form.get("client_id", ""))
        scope = str(form.get("scope", ""))
        entry: dict[str, Any] = {"client_id": client_id, "scope": scope}
        if form.get("grant_type") != "client_credentials":
            return self._refuse(entry, 400, "unsupported_grant_type")
        if client_id != self.app_id or form.get("client_secret") != self.app_password:
            return self._refuse(entry, 401, "invalid_client")
        audience = scope.split()[0].removesuffix("/.default") if scope else ""
        if audience != self.oauth_scope:
            return self._refuse(entry, 400, "invalid_scope")
        entry["aud"] = audience
        entry["token"] = self._outgoing_token(client_id, audience)
        with self._lock:
            self.issued.append(entry)
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": 3600,
                "ext_expires_in": 3600,
                "access_token": entry["token"],
            }
        )

    def _refuse(self, entry: dict[str, Any], status: int, error: str) -> web.Response:
        entry["error"] = error
        with self._lock:
            self.refused.append(entry)
        return web.json_response({"error": error, "error_description": error}, status=status)


@pytest.fixture
def fake_identity() -> Iterator[FakeIdentity]:
    """A started ``FakeIdentity`` (keys are made once per process, so starting is cheap)."""
    with FakeIdentity() as identity:
        yield identity
