"""The credentials file of ``postship fetch``: one profile per seller account and region.

The layout is the one ``python-amazon-sp-api`` and ``python-amazon-ad-api`` document for their
``credentials.yml`` (a mapping of profile name -> keys), plus what postship needs to know where
to write (``seller``, ``marketplaces``)::

    version: '1.0'
    my-brand-na:                  # profile name: free text
      seller: my-brand            # the account folder under DATA (DATA/my-brand/US/...)
      region: NA                  # NA | EU | FE
      marketplaces: [US, CA]      # marketplace codes as in the data folder
      refresh_token: env:MY_BRAND_SP_REFRESH_TOKEN   # "env:NAME": read from the environment
      lwa_app_id: amzn1.application-oa2-client.xxxx
      lwa_client_secret: env:LWA_CLIENT_SECRET
      ads:                        # Amazon Ads API; omit the block for no advertising
        client_id: amzn1.application-oa2-client.yyyy
        client_secret: env:ADS_CLIENT_SECRET
        refresh_token: env:MY_BRAND_ADS_REFRESH_TOKEN
        profile_id: {US: 1234567890, CA: 2345678901}
      endpoints: {sp_api: "http://127.0.0.1:8000", ads_api: "http://127.0.0.1:8001",
                  token: "http://127.0.0.1:8000/auth/o2/token"}   # sandboxes and tests only

A key missing from a profile falls back to the environment variable the libraries read
(``SP_API_REFRESH_TOKEN``, ``LWA_APP_ID``, ``LWA_CLIENT_SECRET``; ``AD_API_REFRESH_TOKEN``,
``AD_API_CLIENT_ID``, ``AD_API_CLIENT_SECRET``). A profile with no SP-API key at all (in the
file or the environment) but an ``ads`` block is an advertising-only account.

Every value is read as text (YAML ``BaseLoader``): profile ids such as ``0123`` keep their
digits. Errors name the file, the profile and the key, and never contain a value (a secret
could be the value); :meth:`Profile.secrets` lists the values to redact from every message.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

from .. import contract
from ..errors import ParameterError

#: SP-API / Ads API regions and their marketplaces ("SP-API endpoints",
#: https://developer-docs.amazon.com/sp-api/docs/sp-api-endpoints; Ads API "API endpoints"
#: uses the same three regions). Codes are the package's (UK, not GB).
REGIONS: dict[str, frozenset[str]] = {
    "NA": frozenset({"US", "CA", "MX", "BR"}),
    "EU": frozenset({"UK", "DE", "FR", "IT", "ES", "NL", "SE", "PL", "IN", "AE", "SA"}),
    "FE": frozenset({"JP", "AU"}),
}

#: environment variables the two libraries read when a key is not given
SP_ENV = {"refresh_token": "SP_API_REFRESH_TOKEN", "lwa_app_id": "LWA_APP_ID",
          "lwa_client_secret": "LWA_CLIENT_SECRET"}
ADS_ENV = {"refresh_token": "AD_API_REFRESH_TOKEN", "client_id": "AD_API_CLIENT_ID",
           "client_secret": "AD_API_CLIENT_SECRET"}

PROFILE_KEYS = {"seller", "region", "marketplaces", "ads", "endpoints", *SP_ENV}
ADS_KEYS = {*ADS_ENV, "profile_id"}
ENDPOINT_KEYS = {"sp_api", "ads_api", "token", "ads_token"}
#: top-level keys that are not profiles
META_KEYS = {"version"}


class CredentialsError(ParameterError):
    """The credentials file cannot be used; the message names the file, profile and key
    (never a value)."""


@dataclasses.dataclass(frozen=True)
class SpCredentials:
    """Selling Partner API keys (Login with Amazon refresh token of the seller's
    authorisation, and the application's LWA client id and secret)."""

    refresh_token: str = dataclasses.field(repr=False)
    lwa_app_id: str
    lwa_client_secret: str = dataclasses.field(repr=False)
    endpoint: str | None = None         # SP-API base URL override (tests, sandbox)
    token_url: str | None = None        # LWA token URL override

    def secrets(self) -> tuple[str, ...]:
        return (self.refresh_token, self.lwa_client_secret)


@dataclasses.dataclass(frozen=True)
class AdsCredentials:
    """Amazon Ads API keys of one account and region."""

    client_id: str
    client_secret: str = dataclasses.field(repr=False)
    refresh_token: str = dataclasses.field(repr=False)
    profile_id: dict[str, str]          # marketplace -> Ads profile id
    endpoint: str | None = None         # Ads API base URL override (tests, sandbox)
    token_url: str | None = None        # LWA token URL override
    region: str = "NA"

    def secrets(self) -> tuple[str, ...]:
        return (self.client_secret, self.refresh_token)


@dataclasses.dataclass(frozen=True)
class Profile:
    """One account and region of the credentials file."""

    name: str
    seller: str
    region: str
    marketplaces: tuple[str, ...]
    sp: SpCredentials | None
    ads: AdsCredentials | None
    source: str = ""                    # the credentials file, for messages

    def secrets(self) -> tuple[str, ...]:
        """Every secret value of the profile, for :func:`common.redact`."""
        out: tuple[str, ...] = ()
        for part in (self.sp, self.ads):
            if part is not None:
                out += part.secrets()
        return out


def _env_value(raw: str, where: str, env: Mapping[str, str]) -> str:
    name = raw[4:].strip()
    if not name:
        raise CredentialsError(f"{where}: 'env:' needs a variable name (env:NAME)")
    value = env.get(name, "")
    if not value.strip():
        raise CredentialsError(f"{where}: environment variable {name} is not set or empty")
    return value.strip()


def _get(block: dict, key: str, where: str, env: Mapping[str, str], env_name: str | None,
         *, required: bool = True) -> str | None:
    """A key's value: the file's (``env:NAME`` resolved), else the library's environment
    variable ``env_name``; ``None`` when neither and not required."""
    here = f"{where}, key {key!r}"
    if key in block:
        raw = block[key]
        if not isinstance(raw, str):
            raise CredentialsError(f"{here}: expected a text value, found a "
                                   f"{'list' if isinstance(raw, list) else 'mapping'}")
        raw = raw.strip()
        if raw.startswith("env:"):
            return _env_value(raw, here, env)
        if not raw:
            raise CredentialsError(f"{here}: empty value")
        return raw
    if env_name and env.get(env_name, "").strip():
        return env[env_name].strip()
    if required:
        hint = f" nor in the environment variable {env_name}" if env_name else ""
        raise CredentialsError(f"{where}: missing key {key!r} (not in the file{hint})")
    return None


def _check_keys(block: dict, known: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in set(block) - known)
    if unknown:
        raise CredentialsError(f"{where}: unknown key(s) {unknown}; known: {sorted(known)}")


def _profile(name: str, block, source: str, env: Mapping[str, str]) -> Profile:
    where = f"credentials file {source!r}, profile {name!r}"
    if not isinstance(block, dict):
        raise CredentialsError(f"{where}: expected a mapping of keys (seller, region, ...)")
    _check_keys(block, PROFILE_KEYS, where)
    seller = _get(block, "seller", where, env, None)
    if seller in {".", ".."} or "/" in seller or "\\" in seller or seller.startswith("."):
        raise CredentialsError(f"{where}, key 'seller': {seller!r} is not a folder name "
                               "(the account folder under the data folder)")
    region = (_get(block, "region", where, env, None) or "").upper()
    if region not in REGIONS:
        raise CredentialsError(f"{where}, key 'region': {region!r} is not one of "
                               f"{', '.join(REGIONS)}")
    mps = block.get("marketplaces")
    if isinstance(mps, str):
        mps = [m for m in mps.replace(",", " ").split() if m]
    if not isinstance(mps, list) or not mps or not all(isinstance(m, str) for m in mps):
        raise CredentialsError(f"{where}: missing key 'marketplaces' (a list of marketplace "
                               "codes such as [US, CA])")
    codes: list[str] = []
    for m in mps:
        try:
            code = contract.marketplace(m).code
        except ParameterError as e:
            raise CredentialsError(f"{where}, key 'marketplaces': {e}") from None
        if code not in REGIONS[region]:
            raise CredentialsError(f"{where}, key 'marketplaces': {code} is not in region "
                                   f"{region} ({', '.join(sorted(REGIONS[region]))})")
        if code not in codes:
            codes.append(code)

    endpoints = block.get("endpoints") or {}
    if not isinstance(endpoints, dict):
        raise CredentialsError(f"{where}, key 'endpoints': expected a mapping")
    _check_keys(endpoints, ENDPOINT_KEYS, f"{where}, key 'endpoints'")
    for k, v in endpoints.items():
        if not isinstance(v, str) or not v.startswith(("http://", "https://")):
            raise CredentialsError(f"{where}, endpoints key {k!r}: expected an http(s) URL")

    sp_present = [k for k in SP_ENV if k in block or env.get(SP_ENV[k], "").strip()]
    sp = None
    if sp_present or "ads" not in block:
        sp = SpCredentials(
            refresh_token=_get(block, "refresh_token", where, env, SP_ENV["refresh_token"]),
            lwa_app_id=_get(block, "lwa_app_id", where, env, SP_ENV["lwa_app_id"]),
            lwa_client_secret=_get(block, "lwa_client_secret", where, env,
                                   SP_ENV["lwa_client_secret"]),
            endpoint=endpoints.get("sp_api"), token_url=endpoints.get("token"))

    ads = None
    if "ads" in block:
        a = block["ads"]
        aw = f"{where}, block 'ads'"
        if not isinstance(a, dict):
            raise CredentialsError(f"{aw}: expected a mapping (client_id, client_secret, "
                                   "refresh_token, profile_id)")
        _check_keys(a, ADS_KEYS, aw)
        pid = a.get("profile_id")
        if isinstance(pid, str) and len(codes) == 1:
            pid = {codes[0]: pid}
        if not isinstance(pid, dict) or not pid:
            raise CredentialsError(f"{aw}: missing key 'profile_id' (marketplace -> Ads "
                                   "profile id, e.g. {US: 1234567890})")
        profile_id: dict[str, str] = {}
        for m, v in pid.items():
            try:
                code = contract.marketplace(m).code
            except ParameterError as e:
                raise CredentialsError(f"{aw}, key 'profile_id': {e}") from None
            if code not in codes:
                raise CredentialsError(f"{aw}, key 'profile_id': marketplace {code} is not in "
                                       f"the profile's marketplaces ({', '.join(codes)})")
            if not isinstance(v, str) or not v.strip():
                raise CredentialsError(f"{aw}, key 'profile_id': the {code} profile id must "
                                       "be a number")
            profile_id[code] = v.strip()
        ads = AdsCredentials(
            client_id=_get(a, "client_id", aw, env, ADS_ENV["client_id"]),
            client_secret=_get(a, "client_secret", aw, env, ADS_ENV["client_secret"]),
            refresh_token=_get(a, "refresh_token", aw, env, ADS_ENV["refresh_token"]),
            profile_id=profile_id, endpoint=endpoints.get("ads_api"),
            token_url=endpoints.get("ads_token") or endpoints.get("token"), region=region)
    return Profile(name=name, seller=seller, region=region, marketplaces=tuple(codes),
                   sp=sp, ads=ads, source=source)


def load_credentials(path: str | Path, env: Mapping[str, str] | None = None) -> list[Profile]:
    """Read and validate every profile of a credentials file (see the module docstring).

    Raises :class:`CredentialsError` naming the file, the profile and the missing or wrong key
    (values are never quoted: a YAML syntax error gives only its line and column). Two
    profiles writing the same seller and marketplace are refused.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.yml"
    >>> _ = p.write_text("acme-na:\\n  seller: acme\\n  region: NA\\n  marketplaces: [US]\\n"
    ...                  "  refresh_token: env:TOK\\n  lwa_app_id: app\\n  lwa_client_secret: s3cr3t\\n")
    >>> [(x.seller, x.marketplaces, x.sp.refresh_token) for x in load_credentials(p, {"TOK": "Atzr|1"})]
    [('acme', ('US',), 'Atzr|1')]
    """
    import yaml

    env = os.environ if env is None else env
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CredentialsError(f"credentials file {source!r} not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise CredentialsError(f"credentials file {source!r} cannot be read "
                               f"({type(e).__name__})") from None
    try:
        data = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as e:
        # the error's own text quotes the offending line, which may hold a secret
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CredentialsError(f"credentials file {source!r}: not valid YAML{at}") from None
    if not isinstance(data, dict) or not (set(data) - META_KEYS):
        raise CredentialsError(f"credentials file {source!r}: no profile (expected a mapping "
                               "of profile name -> seller, region, marketplaces, keys)")
    profiles = [_profile(str(name), block, source, env)
                for name, block in data.items() if name not in META_KEYS]
    seen: dict[tuple[str, str], str] = {}
    for p in profiles:
        for m in p.marketplaces:
            other = seen.setdefault((p.seller, m), p.name)
            if other != p.name:
                raise CredentialsError(f"credentials file {source!r}: profiles {other!r} and "
                                       f"{p.name!r} both write {p.seller}/{m}")
    return profiles


def all_secrets(profiles: list[Profile]) -> tuple[str, ...]:
    """Every secret of every profile (redact with all of them: a message may name any)."""
    return tuple(s for p in profiles for s in p.secrets())
