"""Tracking numbers: carrier formats, check digits, and the orders to correct.

Input: the canonical ``shipment_confirmations`` table (what the seller confirmed in Seller
Central, the ``POST_FLAT_FILE_FULFILLMENT_DATA`` shipping-confirmation upload or the
SP-API ``confirmShipment`` call; see ``postship_analysis.readers.shipments``).

What is checked
---------------
Each tracking number is matched against **every** carrier format of the vendored
`jkeen/tracking_number_data <https://github.com/jkeen/tracking_number_data>`_ definitions
(MIT, commit ``b79ce4bf``; ``postship_analysis/data/tracking/``): the format's pattern, its
check digit (mod10 with even/odd multipliers, mod7, UPU S10, weighted sum with two moduli,
Luhn, DPD's ISO 7064 mod 37/36) and its extra rule where the data has one (an S10 number's
country code must belong to a UPU member). All matching formats are returned, never just the
first: a 12-digit number can be both a FedEx Express and a Purolator number.

:func:`check_tracking` then compares the formats with the carrier the seller declared
(``carrier_code``, or ``carrier_name`` when the code is ``Other``) and flags, per
confirmation row:

``missing``          no tracking number.
``unknown_format``   the declared carrier's formats are known, and the number fits none of
                     them and no other carrier's either.
``bad_check_digit``  the number has the shape of one of the declared carrier's formats but its
                     check digit is wrong (almost always a typo).
``carrier_mismatch`` the number fits no format of the declared carrier but is well-formed for
                     another carrier (e.g. a "USPS" number that is a UPS 1Z number).
``reused``           the same number (ignoring spaces and case) was confirmed for two or more
                     different orders of the same seller account.
``other_carrier``    carrier code ``Other`` with a free-text carrier name.
``unknown_carrier``  the declared carrier cannot be mapped to any carrier we know; its number
                     is not format-checked (this is a flag, never an error).

Format checks are only made where the reference data has formats for the declared carrier
(``format_coverage`` ``full`` or ``partial``). Hermes/Evri, GLS and other carriers without
published formats get ``format_coverage == "none"``: their numbers are not judged. "partial"
means the data covers only some of the carrier's services (e.g. DHL Express and DHL
eCommerce, but not DHL Paket's domestic German numbers), so ``unknown_format`` for such a
carrier means "check it", not "wrong".

.. warning:: A well-formed number is not yet a valid one in Amazon's sense. Amazon counts a
   tracking number as valid (Valid Tracking Rate) only when the carrier has scanned the
   parcel and the carrier is one Amazon integrates. About 10 % of random digit strings of a
   checksummed length pass that format's check digit, and every 14-digit string fits
   "DHL E-Commerce (14)", which has none. See :data:`NOTE`.

Example
-------
>>> [m.format_name for m in match_formats("1Z5R89390357567127") if m.well_formed]
['UPS']
>>> well_formed("9400111206206406260787", carrier="USPS")
True
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import pandas as pd

from . import contract
from .errors import ParameterError

#: The plain statement every output carrying these checks must repeat.
NOTE = (
    "A well-formed tracking number (right carrier format and check digit) is not yet a valid "
    "one in Amazon's sense: Amazon counts a number as valid only once the carrier has scanned "
    "the parcel, and only for carriers Amazon integrates. These checks find typos, wrong "
    "carriers, missing and reused numbers before Amazon does; they cannot prove a shipment."
)

#: Where the data comes from (also in ``data/tracking/README.md``).
DATA_SOURCE = (
    "jkeen/tracking_number_data couriers/*.json, MIT (c) 2017 Jeff Keen, commit "
    "b79ce4bfc04519ef4bc85bf7c6f321795aadf3d3"
)

FLAGS = ("missing", "unknown_format", "bad_check_digit", "carrier_mismatch", "reused",
         "other_carrier", "unknown_carrier")


# ---------------------------------------------------------------------------------------------
# Check-digit algorithms (re-implemented from CHECKSUM_ALGORITHMS.md of the data repository)
# ---------------------------------------------------------------------------------------------

def _char_value(c: str) -> int:
    """Digit value; letters as UPS does it: (ASCII code - 3) mod 10, so A=2, B=3 ... Z=7."""
    return int(c) if c.isdigit() else (ord(c) - 3) % 10


def mod10(serial: str, check: str, *, evens_multiplier: int = 1, odds_multiplier: int = 1,
          reverse: bool = False, **_) -> bool:
    """Weighted mod-10 check (UPS, USPS, FedEx Ground, Canada Post, OnTrac).

    Characters are taken left to right (right to left when ``reverse``); the character at
    0-based position i is multiplied by ``odds_multiplier`` when i is odd, else by
    ``evens_multiplier``; check = (10 - total mod 10) mod 10. No digit-sum of products.

    >>> mod10("5R8939035756712", "7", evens_multiplier=1, odds_multiplier=2)
    True
    """
    chars = serial[::-1] if reverse else serial
    total = 0
    for i, c in enumerate(chars):
        total += _char_value(c) * (odds_multiplier if i % 2 else evens_multiplier)
    return str((10 - total % 10) % 10) == check


def mod7(serial: str, check: str, **_) -> bool:
    """DHL Express: the serial read as an integer, mod 7, equals the check digit.

    >>> mod7("331881002", "5")
    True
    """
    return str(int(serial) % 7) == check


def s10(serial: str, check: str, *, weightings=(8, 6, 4, 2, 3, 5, 9, 7), **_) -> bool:
    """UPU S10: weights 8,6,4,2,3,5,9,7 on the 8 digits; r = sum mod 11;
    check = 11 - r, except r = 1 -> 0 and r = 0 -> 5.

    >>> s10("12345678", "5")
    True
    """
    total = sum(int(a) * b for a, b in zip(serial, weightings, strict=False))
    r = total % 11
    cd = 0 if r == 1 else 5 if r == 0 else 11 - r
    return str(cd) == check


def sum_product_with_weightings_and_modulo(serial: str, check: str, *, weightings,
                                           modulo1: int, modulo2: int, **_) -> bool:
    """FedEx Express: sum of digit x weight (pairs up to the shorter of the two), then
    ``mod modulo1 mod modulo2`` equals the check digit.

    >>> sum_product_with_weightings_and_modulo("98657878885", "5",
    ...     weightings=[3, 1, 7] * 4, modulo1=11, modulo2=10)
    True
    """
    total = sum(int(a) * b for a, b in zip(serial, weightings, strict=False))
    return str(total % modulo1 % modulo2) == check


def luhn(serial: str, check: str, **_) -> bool:
    """Luhn (ISO/IEC 7812) over serial + check digit: from the right, every second digit is
    doubled (9 subtracted when over 9); the total must end in 0. Purolator, Old Dominion.

    >>> luhn("32059546393", "8")
    True
    """
    total = 0
    for i, c in enumerate(reversed(serial + check)):
        d = int(c)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mod_37_36(serial: str, check: str, *, alphabet: str = _ALNUM, **_) -> bool:
    """DPD parcel label check character (ISO 7064 MOD 37,36 hybrid, DPD label spec 2.4.1).

    >>> mod_37_36("09980000020033", "F")
    True
    """
    mod = 36
    cd = mod
    for c in serial:
        cd += alphabet.index(c)
        if cd > mod:
            cd -= mod
        cd *= 2
        if cd > mod:
            cd -= mod + 1
    cd = (mod + 1) - cd
    if cd == mod:
        cd = 0
    return alphabet[cd] == check


CHECKSUMS = {
    "mod10": mod10,
    "mod7": mod7,
    "s10": s10,
    "sum_product_with_weightings_and_modulo": sum_product_with_weightings_and_modulo,
    "luhn": luhn,
    "mod_37_36": mod_37_36,
}


# ---------------------------------------------------------------------------------------------
# The vendored definitions
# ---------------------------------------------------------------------------------------------

_NAMED_GROUP = re.compile(r"\(\?<([A-Za-z_]\w*)>")
_WS = re.compile(r"\s+")


def to_python_regex(pattern: str | list[str]) -> str:
    """The data's Ruby/PCRE pattern (a string or a list of pieces) in Python syntax:
    ``(?<Name>...)`` becomes ``(?P<Name>...)``; lookbehinds ``(?<=``/``(?<!`` are untouched."""
    if isinstance(pattern, list):
        pattern = "".join(pattern)
    return _NAMED_GROUP.sub(r"(?P<\1>", pattern)


@dataclass(frozen=True)
class Format:
    """One carrier number format from the vendored data."""

    courier_code: str          # e.g. "usps", "s10"
    courier_name: str          # e.g. "United States Postal Service"
    format_id: str             # e.g. "usps_impb_n" (made from the name where the data has none)
    format_name: str           # e.g. "USPS IMpb N"
    regex: re.Pattern
    checksum: dict | None      # {"name": "mod10", ...} or None
    prepend_if: dict | None    # serial_number_format.prepend_if
    required_lookups: tuple    # names of `additional` sections whose value must be known
    additional: tuple          # the `additional` sections (name, regex_group_name, lookup)
    tracking_url: str | None
    test_valid: tuple
    test_invalid: tuple


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


@lru_cache(maxsize=1)
def formats() -> tuple[Format, ...]:
    """All formats of the vendored data, in file order (courier files sorted by name)."""
    root = resources.files("postship_analysis") / "data" / "tracking"
    out = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".json"):
            continue
        data = json.loads(entry.read_text(encoding="utf-8"))
        for tn in data["tracking_numbers"]:
            validation = tn.get("validation") or {}
            snf = validation.get("serial_number_format") or {}
            req = tuple((validation.get("additional") or {}).get("exists", ()))
            out.append(Format(
                courier_code=data["courier_code"],
                courier_name=data["name"],
                format_id=tn.get("id") or f"{data['courier_code']}_{_slug(tn['name'])}",
                format_name=tn["name"],
                regex=re.compile(to_python_regex(tn["regex"])),
                checksum=validation.get("checksum"),
                prepend_if=snf.get("prepend_if"),
                required_lookups=req,
                additional=tuple(tn.get("additional") or ()),
                tracking_url=tn.get("tracking_url"),
                test_valid=tuple(tn.get("test_numbers", {}).get("valid", ())),
                test_invalid=tuple(tn.get("test_numbers", {}).get("invalid", ())),
            ))
    return tuple(out)


@dataclass(frozen=True)
class Match:
    """A number's match against one format.

    ``check_digit_ok`` is None when the format has no check digit. ``well_formed`` = the
    pattern matched, the check digit (if any) is right and the format's extra rule (if any,
    e.g. a known S10 country) holds. ``details`` holds what the format's lookup tables say
    (service type, S10 country and postal operator...).
    """

    courier_code: str
    courier_name: str
    format_id: str
    format_name: str
    check_digit_ok: bool | None
    lookups_ok: bool
    well_formed: bool
    details: dict = field(default_factory=dict, compare=False)
    tracking_url: str | None = None

    @property
    def has_check_digit(self) -> bool:
        return self.check_digit_ok is not None


def _lookup(section: dict, value: str) -> dict | None:
    for entry in section.get("lookup") or ():
        if "matches" in entry and entry["matches"] == value:
            return entry
        if "matches_regex" in entry and re.fullmatch(entry["matches_regex"], value):
            return entry
    return None


def _match_one(fmt: Format, text: str) -> Match | None:
    m = fmt.regex.fullmatch(text)
    if m is None:
        return None
    groups = {k: _WS.sub("", v) for k, v in m.groupdict().items() if v is not None}
    check_ok = None
    if fmt.checksum:
        serial = groups.get("SerialNumber", "")
        check = groups.get("CheckDigit", "")
        if fmt.prepend_if and re.search(fmt.prepend_if["matches_regex"], serial):
            serial = fmt.prepend_if["content"] + serial
        params = {k: v for k, v in fmt.checksum.items() if k != "name"}
        try:
            check_ok = bool(CHECKSUMS[fmt.checksum["name"]](serial, check, **params))
        except (ValueError, IndexError):
            check_ok = False
    details = {}
    lookups_ok = True
    for section in fmt.additional:
        value = groups.get(section.get("regex_group_name", ""))
        if value is None:
            continue
        entry = _lookup(section, value)
        if entry is not None:
            details[section["name"]] = entry.get("courier") or entry.get("name") or value
            if section.get("regex_group_name") == "CountryCode":
                details["country_code"] = value
        elif section["name"] in fmt.required_lookups:
            lookups_ok = False
    return Match(
        courier_code=fmt.courier_code, courier_name=fmt.courier_name,
        format_id=fmt.format_id, format_name=fmt.format_name, check_digit_ok=check_ok,
        lookups_ok=lookups_ok, well_formed=(check_ok is not False) and lookups_ok,
        details=details, tracking_url=fmt.tracking_url,
    )


def normalise(number) -> str:
    """Upper case, surrounding spaces removed (inner spaces are allowed by the formats)."""
    if number is None or (not isinstance(number, str) and pd.isna(number)):
        return ""
    return str(number).strip().upper()


@lru_cache(maxsize=200_000)
def _match_cached(text: str) -> tuple[Match, ...]:
    if not text:
        return ()
    return tuple(m for fmt in formats() if (m := _match_one(fmt, text)) is not None)


def match_formats(number: str) -> list[Match]:
    """Every format whose pattern the number fits, with its check-digit result.

    Not only the first: ambiguous numbers get all their formats. Use ``m.well_formed`` to keep
    the ones whose check digit (and extra rule) also holds.

    >>> [(m.format_id, m.check_digit_ok) for m in match_formats("1Z5R89390357567128")]
    [('ups', False)]
    """
    return list(_match_cached(normalise(number)))


# ---------------------------------------------------------------------------------------------
# Amazon carrier names -> the data's couriers
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Carrier:
    """How one Amazon carrier maps onto the data: its couriers, the S10 countries whose
    postal numbers it carries ("*" = any), and how much of its numbering the data covers."""

    name: str                       # as shown in Amazon's carrier list
    couriers: tuple = ()
    s10_countries: tuple = ()
    coverage: str = "full"          # full | partial | none
    aliases: tuple = ()
    listed: bool = True             # named in Amazon's carrier list as far as we know


#: Amazon's carrier codes (OrderFulfillment CarrierCode list and the current Seller Central
#: list, domain.md §4i and §5.1) mapped to the data's courier codes. Coverage is our judgement
#: of how much of the carrier's numbering the data describes; ``listed=False`` where we could
#: not confirm the carrier is in Amazon's current list (the current list is a known gap).
CARRIERS: tuple[Carrier, ...] = (
    Carrier("USPS", ("usps",), ("US",), "full", ("United States Postal Service",)),
    Carrier("UPS", ("ups",), (), "full", ("UPS Ground",)),
    Carrier("UPS Mail Innovations", ("ups", "usps"), ("US",), "partial", ("UPSMI",)),
    Carrier("FedEx", ("fedex",), (), "full", ("Federal Express", "FEDEX_JP", "AFL/Fedex")),
    Carrier("FedEx SmartPost", ("fedex", "usps"), ("US",), "partial",
            ("FedEx Ground Economy",)),
    Carrier("DHL", ("dhl",), (), "partial", ("DHL Express", "DHL Paket")),
    Carrier("DHL eCommerce", ("dhl",), ("*",), "partial",
            ("DHL Global Mail", "DHL eCommerce Solutions")),
    Carrier("Deutsche Post", (), ("DE",), "partial", ("Warenpost",)),
    Carrier("Royal Mail", (), ("GB",), "partial"),
    Carrier("Parcelforce", (), ("GB",), "partial"),
    Carrier("Hermes", (), (), "none", ("Hermes Logistik Gruppe", "Evri", "Hermes UK",
                                       "Hermes Germany")),
    Carrier("GLS", (), (), "none"),
    Carrier("DPD", ("dpd",), (), "full"),
    Carrier("Amazon Shipping", ("amazon",), (), "full",
            ("Amazon Logistics", "AMZL", "AMZL_US", "AMZN_US", "AMZN_UK", "Amazon")),
    Carrier("OnTrac", ("ontrac", "lasership"), (), "full"),
    Carrier("LaserShip", ("lasership", "ontrac"), (), "full", ("Lasership",)),
    Carrier("Canada Post", ("canada_post",), ("CA",), "full"),
    Carrier("Purolator", ("purolator",), (), "full", listed=False),
    Carrier("Canpar", ("canpar",), (), "full", listed=False),
    Carrier("Yodel", ("yodel",), (), "partial"),
    Carrier("Yun Express", ("yunexpress",), ("*",), "partial", ("YunExpress",)),
    Carrier("China Post", (), ("CN",), "full",
            ("China Post Express and Logistic ePacket", "ePacket", "China EMS")),
    Carrier("Yanwen", (), ("*",), "partial"),
    Carrier("4PX", (), ("*",), "partial"),
    Carrier("La Poste", (), ("FR",), "partial", ("Colissimo",)),
    Carrier("Poste Italiane", (), ("IT",), "partial"),
    Carrier("Correos", (), ("ES",), "partial", listed=False),
    Carrier("PostNL", (), ("NL",), "partial", listed=False),
    Carrier("India Post", (), ("IN",), "partial"),
    Carrier("Japan Post", (), ("JP",), "partial", listed=False),
    Carrier("Australia Post", (), ("AU",), "partial", listed=False),
    Carrier("Spee-Dee", ("speedee",), (), "full", ("Spee-Dee Delivery", "Speedee"), listed=False),
    Carrier("Old Dominion", ("old_dominion",), (), "full", listed=False),
    Carrier("GOFO Express", ("gofo",), (), "partial", ("GOFO",), listed=False),
    Carrier("Landmark Global", ("landmark",), (), "partial", listed=False),
    Carrier("TNT", (), (), "none"),
    Carrier("Chronopost", (), (), "none"),
    Carrier("BlueDart", (), (), "none", ("Blue Dart",)),
    Carrier("Delhivery", (), (), "none"),
    Carrier("Aramex", (), (), "none"),
    Carrier("DTDC", (), (), "none"),
)

#: Data courier code -> the Amazon carrier to suggest.
COURIER_TO_CARRIER = {
    "usps": "USPS", "ups": "UPS", "fedex": "FedEx", "dhl": "DHL", "dpd": "DPD",
    "amazon": "Amazon Shipping", "ontrac": "OnTrac", "lasership": "OnTrac",
    "canada_post": "Canada Post", "purolator": "Purolator", "canpar": "Canpar",
    "yodel": "Yodel", "yunexpress": "Yun Express", "speedee": "Spee-Dee",
    "old_dominion": "Old Dominion", "gofo": "GOFO Express", "landmark": "Landmark Global",
}
#: S10 issuing country -> the Amazon carrier to suggest.
S10_COUNTRY_TO_CARRIER = {
    "US": "USPS", "DE": "Deutsche Post", "GB": "Royal Mail", "CN": "China Post",
    "CA": "Canada Post", "FR": "La Poste", "IT": "Poste Italiane", "ES": "Correos",
    "NL": "PostNL", "IN": "India Post", "JP": "Japan Post", "AU": "Australia Post",
}


def _key(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", s.casefold())


def _tokens(s: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", s.casefold()) if t]


_BY_KEY = {_key(n): c for c in CARRIERS for n in (c.name, *c.aliases)}
_BY_TOKENS = sorted(((tuple(_tokens(n)), c) for c in CARRIERS for n in (c.name, *c.aliases)),
                    key=lambda x: -len(x[0]))


def resolve_carrier(name) -> Carrier | None:
    """The :class:`Carrier` for an Amazon carrier code or a free-text name, or None.

    Exact names and aliases first (case, spaces and punctuation ignored), then a name that
    contains a known carrier as whole words ("USPS via Pirate Ship" -> USPS).

    >>> resolve_carrier("usps").name, resolve_carrier("USPS via Pirate Ship").name
    ('USPS', 'USPS')
    >>> resolve_carrier("Bob's Couriers") is None
    True
    """
    if name is None or (not isinstance(name, str) and pd.isna(name)) or not str(name).strip():
        return None
    hit = _BY_KEY.get(_key(str(name)))
    if hit is not None:
        return hit
    toks = _tokens(str(name))
    for seq, c in _BY_TOKENS:
        n = len(seq)
        if any(tuple(toks[i:i + n]) == seq for i in range(len(toks) - n + 1)):
            return c
    return None


def fits_carrier(m: Match, carrier: Carrier) -> bool:
    """Is this format one of the carrier's? (S10 numbers by their issuing country.)"""
    if m.courier_code == "s10":
        cc = m.details.get("country_code")
        return bool(carrier.s10_countries) and ("*" in carrier.s10_countries
                                                or cc in carrier.s10_countries)
    return m.courier_code in carrier.couriers


def suggested_carriers(matches) -> list[str]:
    """Amazon carrier names for the well-formed matches (S10 by issuing country)."""
    out = []
    for m in matches:
        if not m.well_formed:
            continue
        if m.courier_code == "s10":
            cc = m.details.get("country_code", "")
            name = S10_COUNTRY_TO_CARRIER.get(cc) or m.details.get("Courier") or f"post ({cc})"
        else:
            name = COURIER_TO_CARRIER.get(m.courier_code, m.courier_name)
        if name not in out:
            out.append(name)
    return out


def well_formed(number: str, carrier: str | None = None) -> bool:
    """True if the number fits a format with a right check digit (for ``carrier`` if given).

    Well-formed only: see :data:`NOTE`. An unknown carrier name raises ParameterError.

    >>> well_formed("1Z5R89390357567127", carrier="USPS")
    False
    """
    ms = [m for m in match_formats(number) if m.well_formed]
    if carrier is None:
        return bool(ms)
    c = resolve_carrier(carrier)
    if c is None:
        raise ParameterError(f"unknown carrier {carrier!r}; known: "
                             + ", ".join(x.name for x in CARRIERS))
    return any(fits_carrier(m, c) for m in ms)


def _describe(m: Match) -> str:
    state = {True: "check digit ok", False: "check digit wrong", None: "no check digit"}
    extra = "" if m.lookups_ok else ", unknown country/code"
    return f"{m.format_name} ({m.courier_code}; {state[m.check_digit_ok]}{extra})"


# ---------------------------------------------------------------------------------------------
# The table check
# ---------------------------------------------------------------------------------------------

_REQUIRED = ("order_id", "carrier_code", "tracking_number")


def _verdict(number: str, code, name) -> dict:
    """Flags of one (number, declared carrier) pair; the table check calls it once per
    distinct pair, not per row."""
    code_s = "" if code is None or pd.isna(code) else str(code).strip()
    name_s = "" if name is None or pd.isna(name) else str(name).strip()
    other = code_s.casefold() == "other" or (not code_s and bool(name_s))
    carrier = resolve_carrier(name_s if other else code_s)
    matches = _match_cached(number)
    good = [m for m in matches if m.well_formed]
    out = {
        "missing": number == "",
        "other_carrier": code_s.casefold() == "other",
        "unknown_carrier": carrier is None,
        "unknown_format": False, "bad_check_digit": False, "carrier_mismatch": False,
        "declared_carrier": carrier.name if carrier else None,
        "format_coverage": carrier.coverage if carrier else "unknown",
        "matched_formats": "; ".join(_describe(m) for m in matches) or None,
        "well_formed_carriers": ", ".join(suggested_carriers(good)) or None,
        "fits_declared": None,
        "suggested_carrier": None,
    }
    if out["missing"] or carrier is None or carrier.coverage == "none":
        if carrier is None and good:
            out["suggested_carrier"] = out["well_formed_carriers"]
        return out
    own = [m for m in matches if fits_carrier(m, carrier)]
    fits = any(m.well_formed for m in own)
    out["fits_declared"] = fits
    if fits:
        return out
    if any(m.check_digit_ok is False for m in own):
        out["bad_check_digit"] = True
    elif own:
        # the pattern fits but an extra rule fails (e.g. S10 country not a UPU member)
        out["unknown_format"] = True
    elif good:
        out["carrier_mismatch"] = True
        out["suggested_carrier"] = out["well_formed_carriers"]
    else:
        out["unknown_format"] = True
    return out


def check_tracking(confirmations: pd.DataFrame) -> pd.DataFrame:
    """Check every confirmed tracking number: format, check digit, carrier, reuse.

    ``confirmations`` is the canonical ``shipment_confirmations`` table (columns ``order_id``,
    ``carrier_code``, ``carrier_name``, ``tracking_number``; ``seller_id``, ``marketplace``,
    ``order_item_id``, ``ship_ts`` used when present). One output row per input row, same
    order, with:

    * the input's identifying columns and ``ship_date`` (marketplace-local date of ``ship_ts``);
    * ``number`` the normalised number (upper case, no spaces) used for the reuse check;
    * ``declared_carrier`` (Amazon carrier name we mapped the code / free text to, or <NA>),
      ``format_coverage`` (full / partial / none / unknown), ``fits_declared`` (bool, <NA>
      when not checked);
    * ``matched_formats`` every format the number's pattern fits, with the check-digit result;
      ``well_formed_carriers`` the carriers for which it is well-formed;
      ``suggested_carrier`` for mismatches and unknown carriers;
    * one bool column per flag in :data:`FLAGS`, ``reused_with`` (the other order ids),
      ``n_orders_with_number`` and ``problem`` (any flag).

    Each distinct (number, carrier) pair is validated once, so the cost grows with the number
    of distinct tracking numbers, not rows. Remember :data:`NOTE`: passing these checks is
    not proof of a valid, scanned shipment.

    Example::

        df = datafolder.load("data/sample").table("shipment_confirmations")
        checked = check_tracking(df)
        checked.loc[checked["problem"], ["order_id", "tracking_number", "carrier_mismatch"]]
    """
    missing_cols = [c for c in _REQUIRED if c not in confirmations.columns]
    if missing_cols:
        raise ParameterError(f"check_tracking needs columns {missing_cols} of the "
                             "shipment_confirmations table")
    df = confirmations
    n = len(df)
    idx = df.index
    seller = df["seller_id"] if "seller_id" in df else pd.Series("default", index=idx)
    mp = df["marketplace"] if "marketplace" in df else pd.Series(pd.NA, index=idx,
                                                                   dtype="string")
    name = df["carrier_name"] if "carrier_name" in df else pd.Series(pd.NA, index=idx,
                                                                       dtype="string")
    raw = df["tracking_number"].astype("string")
    text = raw.fillna("").str.strip().str.upper()
    number = text.str.replace(r"\s+", "", regex=True)

    out = pd.DataFrame(index=idx)
    out["seller_id"] = seller.astype("string")
    out["marketplace"] = mp.astype("string")
    out["order_id"] = df["order_id"].astype("string")
    if "order_item_id" in df:
        out["order_item_id"] = df["order_item_id"].astype("string")
    if "ship_ts" in df:
        ts = pd.to_datetime(df["ship_ts"], utc=True)
        ok = out["marketplace"].notna() & ts.notna()
        ship_date = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
        if ok.any():
            ship_date.loc[ok] = contract.local_date(ts[ok], out["marketplace"][ok]).astype(
                "datetime64[ns]")
        out["ship_ts"] = ts
        out["ship_date"] = ship_date
    out["carrier_code"] = df["carrier_code"].astype("string")
    out["carrier_name"] = name.astype("string")
    out["tracking_number"] = raw
    out["number"] = number.where(number != "", pd.NA)

    # one verdict per distinct (number as typed, code, name)
    keys = pd.DataFrame({"text": text, "code": out["carrier_code"].fillna(""),
                         "name": out["carrier_name"].fillna("")})
    codes, uniq = pd.factorize(pd.MultiIndex.from_frame(keys))
    verdicts = pd.DataFrame([_verdict(t, c, nm) for t, c, nm in uniq] if len(uniq) else [],
                            columns=list(_verdict("", "", "").keys()))
    per_row = verdicts.iloc[codes].set_index(idx) if n else verdicts
    for col in ("declared_carrier", "format_coverage", "matched_formats",
                "well_formed_carriers", "suggested_carrier"):
        out[col] = per_row[col].astype("string")
    out["fits_declared"] = per_row["fits_declared"].astype("boolean")

    # reuse: the same normalised number on two or more orders of one seller account
    has = out["number"].notna()
    pairs = out.loc[has, ["seller_id", "number", "order_id"]].drop_duplicates()
    n_orders = pairs.groupby(["seller_id", "number"]).size().rename("n_orders_with_number")
    out = out.join(n_orders, on=["seller_id", "number"])
    out["n_orders_with_number"] = out["n_orders_with_number"].fillna(0).astype("Int64")
    multi = pairs.join(n_orders, on=["seller_id", "number"])
    multi = multi[multi["n_orders_with_number"] > 1]
    lists = multi.groupby(["seller_id", "number"])["order_id"].agg(
        lambda s: sorted(s.tolist())).rename("_orders")
    out = out.join(lists, on=["seller_id", "number"])
    reused = out["n_orders_with_number"] > 1
    out["reused_with"] = pd.Series(pd.NA, index=out.index, dtype="string")
    if reused.any():
        out.loc[reused, "reused_with"] = [
            ", ".join(o for o in lst if o != me)
            for lst, me in zip(out.loc[reused, "_orders"], out.loc[reused, "order_id"],
                               strict=True)]
    out = out.drop(columns="_orders")

    for flag in FLAGS:
        out[flag] = (reused if flag == "reused" else per_row[flag]).astype(bool)
    out["problem"] = out[list(FLAGS)].any(axis=1)
    return out


# ---------------------------------------------------------------------------------------------
# The action list
# ---------------------------------------------------------------------------------------------

def _carrier_text(code, name) -> str:
    code = "" if pd.isna(code) else str(code)
    name = "" if pd.isna(name) else str(name)
    if code.casefold() == "other" or not code:
        return f"Other ({name})" if name else (code or "(none)")
    return code


def _problem_and_fix(r) -> tuple[str, str]:
    carrier = r["declared_carrier"] if pd.notna(r["declared_carrier"]) else None
    shown = _carrier_text(r["carrier_code"], r["carrier_name"])
    partial = r["format_coverage"] == "partial"
    probs, fixes = [], []
    if r["missing"]:
        probs.append("No tracking number was confirmed.")
        fixes.append("Add the tracking number printed on the shipping label.")
    if r["bad_check_digit"]:
        probs.append(f"The number has the shape of a {carrier} number but its check digit "
                     "is wrong, which is almost always a typo.")
        fixes.append("Re-type the number from the shipping label.")
    if r["carrier_mismatch"]:
        sug = r["suggested_carrier"]
        probs.append(f"Declared as {shown}, but the number fits no {carrier} format we know "
                     f"and is a well-formed {sug} number.")
        fixes.append(f"Change the carrier to {sug} if that is who took the parcel; otherwise "
                     "correct the number.")
    if r["unknown_format"]:
        if partial:
            probs.append(f"The number is not one of the {carrier} formats we know (our "
                         f"reference covers only some {carrier} services).")
            fixes.append(f"Look the number up on {carrier}'s tracking page; correct it if "
                         "the carrier does not find it.")
        else:
            probs.append(f"The number fits no {carrier} format (nor any other carrier's we "
                         "know).")
            fixes.append("Compare it with the shipping label (missing, extra or swapped "
                         "characters) and correct it.")
    if r["reused"]:
        probs.append(f"The same number was also confirmed for order(s) {r['reused_with']}.")
        fixes.append("Give each order the number of its own parcel; one number for several "
                     "orders is right only if they really went in one parcel to one buyer.")
    if r["other_carrier"]:
        probs.append(f"Carrier given as Other with the free-text name "
                     f"'{'' if pd.isna(r['carrier_name']) else r['carrier_name']}'.")
        c = resolve_carrier(carrier) if carrier is not None else None
        if c is not None and c.listed:
            fixes.append(f"Choose {carrier} from Amazon's carrier list instead of Other "
                         "(Amazon can track only carriers chosen from its list).")
        elif c is not None:
            fixes.append(f"Choose {carrier} from Amazon's carrier list if it is there "
                         "(Amazon can track only carriers chosen from its list).")
        else:
            fixes.append("Choose the carrier from Amazon's carrier list if it is there "
                         "(Amazon can track only carriers chosen from its list).")
    if r["unknown_carrier"] and not r["other_carrier"]:
        probs.append(f"Carrier '{shown}' is not one we recognise, so the number was not "
                     "checked.")
        fixes.append("Check the carrier is spelt as in Amazon's carrier list.")
    elif r["unknown_carrier"]:
        probs.append("The free-text carrier is not one we recognise, so the number was not "
                     "checked.")
    return " ".join(probs), " ".join(fixes)


ACTION_COLUMNS = ["seller_id", "marketplace", "order_id", "ship_date", "carrier",
                  "tracking_number", "problem", "suggested_fix", "flags", "matched_formats"]


def tracking_action_list(checked: pd.DataFrame, *, as_of: pd.Timestamp | None = None,
                         window_days: int | None = None,
                         flags: tuple[str, ...] = FLAGS) -> pd.DataFrame:
    """Orders to correct in Seller Central (Orders > Manage Orders > the order >
    "Edit shipping details"), one row per order and tracking number with a problem.

    ``checked`` is the output of :func:`check_tracking`. With ``as_of`` (a marketplace-local
    date) and ``window_days``, only confirmations whose local ship date lies in
    ``(as_of - window_days, as_of]`` are listed (``window_days=30`` matches Valid Tracking
    Rate's 30-day window). ``flags`` chooses which problems to list.

    Columns (:data:`ACTION_COLUMNS`): seller_id, marketplace, order_id, ship_date
    (marketplace-local), carrier (as confirmed; "Other (name)" for free text),
    tracking_number (as confirmed), problem and suggested_fix in plain words, flags (comma
    list), matched_formats. Sorted by marketplace, most recent ship date first. Ready for
    ``.to_csv(index=False)``.

    The list finds typing and carrier mistakes; an order missing from it is not proven
    valid (see :data:`NOTE`).
    """
    unknown = [f for f in flags if f not in FLAGS]
    if unknown:
        raise ParameterError(f"unknown flags {unknown}; choose from {list(FLAGS)}")
    df = checked
    mask = df[list(flags)].any(axis=1) if flags else pd.Series(False, index=df.index)
    if as_of is not None or window_days is not None:
        if as_of is None or window_days is None or "ship_date" not in df:
            raise ParameterError("as_of and window_days go together and need ship_date")
        as_of = pd.Timestamp(as_of).normalize()
        start = as_of - pd.Timedelta(days=int(window_days))
        mask &= (df["ship_date"] > start) & (df["ship_date"] <= as_of)
    sel = df[mask]
    if "ship_date" not in sel:
        sel = sel.assign(ship_date=pd.NaT)
    if "order_item_id" in sel:
        sel = sel.drop_duplicates(["seller_id", "order_id", "tracking_number", "carrier_code",
                                   "carrier_name"])
    texts = [_problem_and_fix(r) for _, r in sel.iterrows()]
    flag_text = sel[list(FLAGS)].apply(lambda r: ", ".join(f for f in FLAGS if r[f]), axis=1) \
        if len(sel) else pd.Series([], dtype="string")
    out = pd.DataFrame({
        "seller_id": sel["seller_id"].astype("string"),
        "marketplace": sel["marketplace"].astype("string"),
        "order_id": sel["order_id"].astype("string"),
        "ship_date": sel["ship_date"].astype("datetime64[ns]"),
        "carrier": pd.Series([_carrier_text(c, n) for c, n in
                              zip(sel["carrier_code"], sel["carrier_name"], strict=True)],
                             index=sel.index, dtype="string"),
        "tracking_number": sel["tracking_number"].astype("string"),
        "problem": pd.Series([t[0] for t in texts], index=sel.index, dtype="string"),
        "suggested_fix": pd.Series([t[1] for t in texts], index=sel.index, dtype="string"),
        "flags": flag_text.astype("string"),
        "matched_formats": sel["matched_formats"].astype("string"),
    }, columns=ACTION_COLUMNS)
    out = out.sort_values(["marketplace", "ship_date", "order_id"],
                          ascending=[True, False, True], na_position="last")
    return out.reset_index(drop=True)


def tracking_summary(checked: pd.DataFrame) -> pd.DataFrame:
    """Counts of confirmation rows per seller, marketplace and flag (with the row total).

    Columns: seller_id, marketplace, rows, one count column per flag, problem. Counts of
    rows, not orders; well-formed is not valid (see :data:`NOTE`).
    """
    cols = list(FLAGS) + ["problem"]
    g = checked.groupby(["seller_id", "marketplace"], dropna=False)
    out = g[cols].sum().astype("Int64")
    out.insert(0, "rows", g.size().astype("Int64"))
    return out.reset_index()


__all__ = [
    "NOTE", "DATA_SOURCE", "FLAGS", "CARRIERS", "ACTION_COLUMNS", "Carrier", "Format", "Match",
    "formats", "match_formats", "well_formed", "resolve_carrier", "fits_carrier",
    "suggested_carriers", "check_tracking", "tracking_action_list", "tracking_summary",
    "mod10", "mod7", "s10", "sum_product_with_weightings_and_modulo", "luhn", "mod_37_36",
    "to_python_regex", "normalise",
]
