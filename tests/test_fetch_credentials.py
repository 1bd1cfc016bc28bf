"""The credentials file of ``postship fetch``: profiles, env fallback, errors that name the
file, profile and key and never a secret value."""

from __future__ import annotations

import textwrap

import pytest

from postship_analysis.fetch.credentials import (
    AdsCredentials,
    CredentialsError,
    load_credentials,
)

SECRET_SP = "Atzr|SP-REFRESH-zq81kd"
SECRET_LWA = "LWA-SECRET-77hhqq"
SECRET_ADS = "ADS-SECRET-55ppzz"
SECRET_ADS_RT = "Atzr|ADS-REFRESH-99xx"


def write(tmp_path, text, name="creds.yml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


FULL = f"""\
    version: '1.0'
    acme-na:
      seller: acme
      region: na
      marketplaces: [US, CA]
      refresh_token: env:ACME_SP_RT
      lwa_app_id: amzn1.application-oa2-client.app
      lwa_client_secret: {SECRET_LWA}
      ads:
        client_id: amzn1.application-oa2-client.ads
        client_secret: env:ADS_SECRET
        refresh_token: {SECRET_ADS_RT}
        profile_id: {{US: 0123456789, CA: 2345678901}}
      endpoints: {{sp_api: "http://127.0.0.1:1", token: "http://127.0.0.1:1/auth/o2/token"}}
    """


def test_full_profile_env_references_and_text_values(tmp_path):
    p = write(tmp_path, FULL)
    (prof,) = load_credentials(p, {"ACME_SP_RT": SECRET_SP, "ADS_SECRET": SECRET_ADS})
    assert (prof.name, prof.seller, prof.region, prof.marketplaces) == \
        ("acme-na", "acme", "NA", ("US", "CA"))
    assert prof.sp.refresh_token == SECRET_SP
    assert prof.sp.lwa_client_secret == SECRET_LWA
    assert prof.sp.endpoint == "http://127.0.0.1:1"
    assert prof.sp.token_url == "http://127.0.0.1:1/auth/o2/token"
    assert isinstance(prof.ads, AdsCredentials)
    # profile ids stay text, leading zero kept
    assert prof.ads.profile_id == {"US": "0123456789", "CA": "2345678901"}
    assert prof.ads.client_secret == SECRET_ADS
    assert prof.ads.region == "NA"
    assert set(prof.secrets()) == {SECRET_SP, SECRET_LWA, SECRET_ADS, SECRET_ADS_RT}
    # repr never shows a secret (a dataclass repr ends up in tracebacks)
    for s in prof.secrets():
        assert s not in repr(prof)


def test_missing_key_falls_back_to_library_env_names(tmp_path):
    p = write(tmp_path, """\
        globex:
          seller: globex
          region: EU
          marketplaces: DE, GB
        """)
    env = {"SP_API_REFRESH_TOKEN": SECRET_SP, "LWA_APP_ID": "app", "LWA_CLIENT_SECRET": SECRET_LWA}
    (prof,) = load_credentials(p, env)
    assert prof.marketplaces == ("DE", "UK")            # GB is read as UK
    assert (prof.sp.refresh_token, prof.sp.lwa_app_id, prof.sp.lwa_client_secret) == \
        (SECRET_SP, "app", SECRET_LWA)
    assert prof.ads is None


def test_ads_only_profile(tmp_path):
    p = write(tmp_path, f"""\
        ads-only:
          seller: acme
          region: NA
          marketplaces: [US]
          ads: {{client_id: c, client_secret: {SECRET_ADS}, refresh_token: {SECRET_ADS_RT},
                 profile_id: 42}}
        """)
    (prof,) = load_credentials(p, {})
    assert prof.sp is None
    assert prof.ads.profile_id == {"US": "42"}


@pytest.mark.parametrize("text, env, expected", [
    ("""\
     acme:
       seller: acme
       region: NA
       marketplaces: [US]
       refresh_token: {rt}
       lwa_app_id: app
     """, {}, "profile 'acme': missing key 'lwa_client_secret' (not in the file nor in the "
              "environment variable LWA_CLIENT_SECRET)"),
    ("""\
     acme:
       seller: acme
       region: NA
       marketplaces: [US]
       refresh_token: env:NOT_SET_ANYWHERE
       lwa_app_id: app
       lwa_client_secret: {lwa}
     """, {}, "profile 'acme', key 'refresh_token': environment variable NOT_SET_ANYWHERE is "
              "not set or empty"),
    ("""\
     acme:
       seller: acme
       region: NA
       marketplaces: [US, DE]
       refresh_token: {rt}
       lwa_app_id: app
       lwa_client_secret: {lwa}
     """, {}, "key 'marketplaces': DE is not in region NA"),
    ("""\
     acme:
       seller: acme
       region: NA
       marketplaces: [US]
       refresh_tokn: {rt}
       lwa_app_id: app
       lwa_client_secret: {lwa}
     """, {}, "profile 'acme': unknown key(s) ['refresh_tokn']"),
    ("""\
     acme:
       seller: ../elsewhere
       region: NA
       marketplaces: [US]
     """, {}, "key 'seller': '../elsewhere' is not a folder name"),
    ("""\
     acme:
       seller: acme
       region: NA
       marketplaces: [US]
       ads: {{client_id: c, client_secret: {lwa}, refresh_token: {rt}, profile_id: {{CA: 1}}}}
     """, {}, "block 'ads', key 'profile_id': marketplace CA is not in the profile's "
              "marketplaces (US)"),
    ("""\
     a:
       seller: acme
       region: NA
       marketplaces: [US]
       refresh_token: {rt}
       lwa_app_id: app
       lwa_client_secret: {lwa}
     b:
       seller: acme
       region: NA
       marketplaces: [US]
       refresh_token: {rt}
       lwa_app_id: app
       lwa_client_secret: {lwa}
     """, {}, "profiles 'a' and 'b' both write acme/US"),
    ("""\
     acme:
       seller: acme
       refresh_token: "{rt}
     """, {}, "not valid YAML at line"),
    ("version: '1.0'\n", {}, "no profile"),
])
def test_bad_files_name_file_profile_key_never_a_secret(tmp_path, text, env, expected):
    p = write(tmp_path, text.format(rt=SECRET_SP, lwa=SECRET_LWA))
    with pytest.raises(CredentialsError) as e:
        load_credentials(p, env)
    msg = str(e.value)
    assert expected in msg
    assert str(p) in msg
    for s in (SECRET_SP, SECRET_LWA, "Atzr"):
        assert s not in msg


def test_missing_file(tmp_path):
    with pytest.raises(CredentialsError, match="not found"):
        load_credentials(tmp_path / "nope.yml", {})
