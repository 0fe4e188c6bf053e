"""Bot Framework authentication for the Teams bot: botbuilder's configuration, the adapter, and
the check of an incoming request's bearer token.

Incoming: ``authenticate`` validates the ``Authorization`` header through botbuilder's
``BotFrameworkAuthentication.authenticate_request`` (signature against the OpenID metadata's
JWKS, issuer, audience = our app id, expiry with five minutes' leeway, the ``serviceurl`` claim
against the activity's ``serviceUrl``, the ``msteams`` endorsement of the key).

Outgoing: the connector client asks msal for a client-credentials token from the login URL.

Quirks of botbuilder 4.17 and msal 1.x handled here:

- ``CloudAdapter.process`` turns only ``PermissionError`` into 401; a token signed by an
  unknown key (``IndexError`` from ``_OpenIdMetadata._find``), a bad signature or an expired
  token (``jwt.PyJWTError``), a token without ``iss`` (``KeyError``) or a failed endorsement
  (a bare ``Exception``) escape as 500. ``authenticate`` maps them all to None (401).
- botbuilder fetches the OpenID metadata and JWKS with synchronous ``requests`` inside the
  event loop, caches them per URL at class level for a day, and never refetches on an unknown
  ``kid`` (the ``IndexError`` comes before its refresh-on-miss). msal is synchronous too.
- botbuilder's private-cloud credentials store ``validate_authority`` but never hand it to msal,
  so msal asks ``login.microsoftonline.com`` for instance discovery of any other login host (and
  fails offline). ``_CredentialFactory`` builds msal with the flag. msal also insists on an
  ``https`` authority.
- botbuilder builds new credentials, hence a new msal token cache, for every incoming activity:
  a token request per turn. ``_CredentialFactory`` keeps one per app id, scope and login URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import jwt
import requests
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    GovernmentConstants,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
)
from msal import ConfidentialClientApplication
from msrest.authentication import Authentication

from bot.settings import Settings

__all__ = ["BotConfiguration", "authenticate", "bot_configuration", "teams_adapter"]

log = logging.getLogger(__name__)

_MICROSOFT_LOGIN_PREFIXES = (
    AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
    GovernmentConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
)
_PASSWORD_APP_TYPES = ("multitenant", "singletenant")


@dataclass(frozen=True)
class BotConfiguration:
    """The attributes botbuilder's ``ConfigurationBotFrameworkAuthentication`` and
    ``ConfigurationServiceClientCredentialFactory`` read (by these exact names). The four
    endpoint attributes are all None (Microsoft's public cloud) or all set."""

    APP_ID: str | None
    APP_PASSWORD: str | None = field(repr=False)
    APP_TYPE: str
    APP_TENANTID: str | None
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str | None = None
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str | None = None
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str | None = None
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str | None = None
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str | None = None
    VALIDATE_AUTHORITY: bool = True


def _set(value: str | None) -> str | None:
    return value or None


def bot_configuration(settings: Settings) -> BotConfiguration:
    """botbuilder's configuration object from our settings.

    ``MICROSOFT_APP_TYPE`` defaults to ``MultiTenant`` (empty counts as unset); ``SingleTenant``
    needs ``MICROSOFT_APP_TENANT_ID`` (botbuilder raises otherwise). When none of the four
    endpoint settings is set, they stay None and botbuilder uses its public-cloud class. When
    any is set, botbuilder switches to its parameterized class, which needs them all: the unset
    ones get Microsoft's public-cloud values (and the emulator metadata URL its public value, or
    a token claiming an emulator issuer would make botbuilder fetch ``None``). Authority
    validation (msal's instance discovery at Microsoft) is off for a login URL outside
    Microsoft's login hosts, which Microsoft would not know.
    """
    password = settings.microsoft_app_password
    config = BotConfiguration(
        APP_ID=_set(settings.microsoft_app_id),
        APP_PASSWORD=password.get_secret_value() if password is not None else None,
        APP_TYPE=_set(settings.microsoft_app_type) or "MultiTenant",
        APP_TENANTID=_set(settings.microsoft_app_tenant_id),
    )
    endpoints = (
        _set(settings.to_bot_from_channel_openid_metadata_url),
        _set(settings.to_bot_from_channel_token_issuer),
        _set(settings.to_channel_from_bot_login_url),
        _set(settings.to_channel_from_bot_oauth_scope),
    )
    if not any(endpoints):
        return config
    metadata_url, issuer, login_url, scope = endpoints
    login_url = login_url or AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL
    return BotConfiguration(
        APP_ID=config.APP_ID,
        APP_PASSWORD=config.APP_PASSWORD,
        APP_TYPE=config.APP_TYPE,
        APP_TENANTID=config.APP_TENANTID,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=metadata_url
        or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=issuer
        or AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=login_url,
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=scope
        or AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=(
            AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
        ),
        VALIDATE_AUTHORITY=_is_microsoft_login(login_url),
    )


def _is_microsoft_login(login_url: str) -> bool:
    return login_url.lower().startswith(_MICROSOFT_LOGIN_PREFIXES)


class _PrivateCloudCredentials(MicrosoftAppCredentials):
    """Client-credentials tokens from a login URL outside Microsoft's (an msal authority such as
    ``https://host/tenant``), with msal's authority validation as configured."""

    def __init__(
        self,
        app_id: str,
        password: str | None,
        tenant_id: str | None,
        oauth_scope: str,
        authority: str,
        validate_authority: bool,
    ) -> None:
        super().__init__(app_id, password, channel_auth_tenant=tenant_id, oauth_scope=oauth_scope)
        self.oauth_endpoint = authority
        self._validate_authority = validate_authority

    def get_access_token(self, force_refresh: bool = False) -> str:
        """The cached token, or a new one from the login URL (synchronous, as botbuilder's)."""
        if self.app is None:
            self.app = ConfidentialClientApplication(
                client_id=self.microsoft_app_id,
                client_credential=self.microsoft_app_password,
                authority=self.oauth_endpoint,
                validate_authority=self._validate_authority,
                instance_discovery=None if self._validate_authority else False,
            )
        token: str = super().get_access_token(force_refresh)
        return token


class _CredentialFactory(ServiceClientCredentialsFactory):
    """botbuilder's configuration credential factory, with one credentials object (so one msal
    token cache) per app id, scope and login URL, and private-cloud login URLs honouring
    ``VALIDATE_AUTHORITY``. Managed identities and Microsoft's clouds go to botbuilder's."""

    def __init__(self, configuration: BotConfiguration) -> None:
        self._configuration = configuration
        self._inner = ConfigurationServiceClientCredentialFactory(configuration)
        self._cache: dict[tuple[str, str, str, bool], Authentication] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self._inner.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self._inner.is_authentication_disabled())

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        key = (app_id or "", oauth_scope or "", login_endpoint or "", validate_authority)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        config = self._configuration
        if (
            login_endpoint
            and not _is_microsoft_login(login_endpoint)
            and config.APP_TYPE.lower() in _PASSWORD_APP_TYPES
            and not await self.is_authentication_disabled()
            and await self.is_valid_app_id(app_id)
        ):
            credentials: Authentication = _PrivateCloudCredentials(
                app_id,
                config.APP_PASSWORD,
                config.APP_TENANTID,
                oauth_scope,
                login_endpoint,
                validate_authority,
            )
        else:
            credentials = await self._inner.create_credentials(
                app_id, oauth_scope, login_endpoint, validate_authority
            )
        self._cache[key] = credentials
        return credentials


def teams_adapter(settings: Settings) -> CloudAdapter:
    """A ``CloudAdapter`` on ``ConfigurationBotFrameworkAuthentication`` of
    ``bot_configuration(settings)`` (with ``_CredentialFactory``). Building it makes no network
    call; the first incoming activity fetches the OpenID metadata, the first reply the token."""
    configuration = bot_configuration(settings)
    authentication = ConfigurationBotFrameworkAuthentication(
        configuration, credentials_factory=_CredentialFactory(configuration)
    )
    return CloudAdapter(authentication)


_BAD_TOKEN_ERRORS = (
    PermissionError,
    jwt.PyJWTError,
    IndexError,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
)


async def authenticate(
    adapter_or_auth: CloudAdapter | BotFrameworkAuthentication,
    activity: Activity,
    auth_header: str | None,
) -> AuthenticateRequestResult | None:
    """The authenticated request, or None when the caller must answer 401.

    None for a missing or empty header (even without an app id: Teams is off then, so anonymous
    requests are never accepted), and for every rejection botbuilder raises: ``PermissionError``
    (wrong audience, issuer, ``serviceurl``), ``jwt.PyJWTError`` (bad signature, expired,
    malformed), ``IndexError`` (unknown ``kid``), ``KeyError`` (no ``iss``), a bare ``Exception``
    (endorsement or algorithm refused). The reason is logged, never the token.

    Raises ``requests.RequestException`` when the OpenID metadata or JWKS cannot be fetched:
    that is our outage, not a bad token, and a 5xx makes the Bot Framework retry.

    Pass the result to ``adapter.process_activity(result, activity, logic)``:
    ``CloudAdapterBase.process_activity`` takes an ``AuthenticateRequestResult`` in place of the
    header (it authenticates only when given a ``str``), so the token is not checked twice.
    """
    if not auth_header:
        log.warning("Teams request refused: no Authorization header")
        return None
    authentication = (
        adapter_or_auth.bot_framework_authentication
        if isinstance(adapter_or_auth, CloudAdapter)
        else adapter_or_auth
    )
    try:
        result: AuthenticateRequestResult = await authentication.authenticate_request(
            activity, auth_header
        )
    except requests.RequestException:
        log.exception("Teams request not checked: the OpenID metadata could not be fetched")
        raise
    except _BAD_TOKEN_ERRORS as error:
        log.warning("Teams request refused: %s: %s", type(error).__name__, error)
        return None
    except Exception as error:
        if type(error) is not Exception:
            raise
        log.warning("Teams request refused: %s", error)
        return None
    return result
