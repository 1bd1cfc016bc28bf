"""VAT / GST included in Amazon prices: standard rates per marketplace, sourced and dated.

Why it matters for advertising: in the EU, the UK, Japan, India, Australia, the Gulf states and
Mexico the price a shopper sees and pays on Amazon includes VAT/GST, and the sales the ad
reports attribute to a click are those shopper prices. The seller keeps only the net part
(``price / (1 + rate)``) and remits the rest, so a break-even ACoS computed from the gross
price overstates what an ad sale can afford: a EUR 20 item in Germany with EUR 13 of costs
(cost of goods 5, FBA 4, referral 15 % = 3, other 1) leaves 3.81 after 19 % VAT, a break-even
ACoS of 19.0 %, not the 35 % the gross price suggests. In the US and Canada prices exclude
sales tax (it is added at checkout), so nothing is taken out there.

:data:`STANDARD_RATES` holds each marketplace's *standard* rate and whether listed prices
include it, with the source and the date the rate was checked. Products taxed at a reduced
rate (books, food, children's clothing...) or sellers that do not charge VAT (e.g. below a
registration threshold) set ``vat-rate`` per SKU in the unit-cost file; a blank cell uses the
standard rate. Referral fees are a percentage of the total price the buyer pays (VAT
included), so they are applied to the gross price.

Example
-------
>>> round(net_price(20.0, "DE"), 2), round(net_price(20.0, "US"), 2)
(16.81, 20.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import contract

#: the date the rates below were last checked against their sources
CHECKED = "2026-06-01"


@dataclass(frozen=True)
class VatRate:
    """A marketplace's standard VAT/GST rate (fraction) and whether Amazon prices include it.

    ``rate`` is ``None`` where no single standard rate applies (Brazil): set ``vat-rate`` per
    SKU in the unit-cost file; until then no tax is taken out and the report says so."""

    rate: float | None
    included: bool
    source: str
    since: str = ""  # date the rate took effect, where it changed recently


_EC = ("European Commission, 'VAT rates applied in the Member States of the European Union' "
       "(taxation-customs.ec.europa.eu, situation at 1 January 2025)")

#: Standard VAT/GST rate per marketplace code, and whether listed prices include it.
#: Amazon's European VAT Calculation Service "will calculate and display VAT-exclusive pricing"
#: for business buyers only (sellercentral-europe.amazon.com help 202120290): consumer prices
#: on the European stores are VAT-inclusive. Checked on :data:`CHECKED`.
STANDARD_RATES: dict[str, VatRate] = {
    "US": VatRate(0.0, False, "US sales tax is added at checkout; listed prices exclude it"),
    "CA": VatRate(0.0, False, "Canada Revenue Agency: GST/HST is charged on top of the price "
                  "at checkout; listed prices exclude it"),
    "MX": VatRate(0.16, True, "SAT, Ley del IVA art. 1 (16 %); prices on Amazon.com.mx "
                  "include IVA"),
    "BR": VatRate(None, True, "Brazil: ICMS/PIS/COFINS vary by state and product; no single "
                  "rate - set vat-rate per SKU"),
    "UK": VatRate(0.20, True, "HM Revenue & Customs, gov.uk/vat-rates (standard rate 20 %)"),
    "DE": VatRate(0.19, True, _EC + ": DE 19 %"),
    "FR": VatRate(0.20, True, _EC + ": FR 20 %"),
    "IT": VatRate(0.22, True, _EC + ": IT 22 %"),
    "ES": VatRate(0.21, True, _EC + ": ES 21 %"),
    "NL": VatRate(0.21, True, _EC + ": NL 21 %"),
    "SE": VatRate(0.25, True, _EC + ": SE 25 %"),
    "PL": VatRate(0.23, True, _EC + ": PL 23 %"),
    "IN": VatRate(0.18, True, "CBIC GST rate schedule: 18 % is the standard slab (5 % for many "
                  "everyday goods since 2025-09-22); Amazon.in prices are inclusive of all "
                  "taxes - set vat-rate per SKU for goods in another slab"),
    "JP": VatRate(0.10, True, "National Tax Agency: consumption tax 10 % (8 % reduced rate for "
                  "food); total-price display (tax included) mandatory since 2021-04-01",
                  since="2019-10-01"),
    "AU": VatRate(0.10, True, "Australian Taxation Office: GST 10 %, included in prices"),
    "AE": VatRate(0.05, True, "UAE Federal Tax Authority: VAT 5 %, included in prices"),
    "SA": VatRate(0.15, True, "ZATCA: VAT 15 % since 2020-07-01, included in prices",
                  since="2020-07-01"),
}


def standard_rate(marketplace: str) -> float:
    """The VAT/GST fraction included in a marketplace's listed prices (0 where prices exclude
    tax or no single rate is known).

    >>> standard_rate("UK"), standard_rate("JP"), standard_rate("US")
    (0.2, 0.1, 0.0)
    """
    code = contract.marketplace(marketplace).code
    r = STANDARD_RATES.get(code)
    if r is None or not r.included or r.rate is None:
        return 0.0
    return r.rate


def rates_for(marketplaces: pd.Series, override: pd.Series | None = None) -> pd.Series:
    """Included VAT/GST rate per row: ``override`` (the unit-cost file's ``vat_rate``) where
    given, else the marketplace's :func:`standard_rate`."""
    codes = marketplaces.astype("string")
    std = {c: standard_rate(c) for c in codes.dropna().unique()}
    out = codes.map(std).astype("float64").fillna(0.0)
    if override is not None:
        out = override.astype("float64").where(override.notna(), out)
    return out


def net_price(price, marketplace: str | pd.Series, rate=None):
    """Price net of the VAT/GST it includes: ``price / (1 + rate)``; ``rate`` defaults to the
    marketplace's standard rate (a number for one marketplace code, per row for a Series)."""
    if rate is None:
        rate = (standard_rate(marketplace) if isinstance(marketplace, str)
                else rates_for(marketplace))
    return price / (1.0 + rate)


def rate_table() -> pd.DataFrame:
    """The rate table for reports and docs: marketplace, rate, included, since, source."""
    return pd.DataFrame([{"marketplace": k, "rate": v.rate, "included_in_prices": v.included,
                          "since": v.since, "source": v.source, "checked": CHECKED}
                         for k, v in STANDARD_RATES.items()])


__all__ = ["CHECKED", "STANDARD_RATES", "VatRate", "net_price", "rate_table", "rates_for",
           "standard_rate"]
