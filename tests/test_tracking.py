"""Tracking-number formats, check digits, the confirmation checks and the action list."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from postship_analysis import tracking as t
from postship_analysis.errors import ParameterError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "postship_analysis" / "data" / "tracking"
SAMPLE = ROOT / "data" / "sample" / "sample-seller"
TRUTH = ROOT / "data" / "sample_truth"


def _test_numbers(kind: str):
    """(format id, number) for every test number in the vendored JSON, read directly."""
    out = []
    for f in sorted(DATA.glob("*.json")):
        data = json.loads(f.read_text(encoding="utf-8"))
        for tn in data["tracking_numbers"]:
            fid = tn.get("id") or f"{data['courier_code']}_" + "_".join(
                "".join(ch if ch.isalnum() else " " for ch in tn["name"].lower()).split())
            for num in tn["test_numbers"][kind]:
                out.append(pytest.param(data["courier_code"], fid, num, id=f"{fid}:{num!r}"))
    return out


# ---------------------------------------------------------------------------------------------
# Vendored data
# ---------------------------------------------------------------------------------------------

def test_vendored_data_has_licence_and_readme():
    assert "MIT License" in (DATA / "LICENSE").read_text()
    readme = (DATA / "README.md").read_text()
    assert "jkeen/tracking_number_data" in readme
    assert "b79ce4bfc04519ef4bc85bf7c6f321795aadf3d3" in readme
    # PROVENANCE.md of the shared copy: 18 courier files
    assert len(list(DATA.glob("*.json"))) == 18


def test_every_format_compiles_and_is_loaded():
    n_json = sum(len(json.loads(f.read_text())["tracking_numbers"]) for f in DATA.glob("*.json"))
    assert len(t.formats()) == n_json
    names = {(f.courier_code, f.format_name) for f in t.formats()}
    assert ("usps", "USPS IMpb N") in names and ("s10", "S10") in names


def test_ruby_named_groups_become_python_groups():
    assert t.to_python_regex(["(?<A>x)", "(?<B>y)"]) == "(?P<A>x)(?P<B>y)"
    # lookbehinds are not named groups and stay as they are
    assert t.to_python_regex("(?<=a)(?<!b)") == "(?<=a)(?<!b)"


# The data's own test numbers (192 valid per PROVENANCE.md): every valid one must be
# well-formed for its format, every invalid one must not be.
VALID = _test_numbers("valid")
INVALID = _test_numbers("invalid")


def test_test_number_count_matches_provenance():
    assert len(VALID) == 192


@pytest.mark.parametrize(("courier", "fid", "number"), VALID)
def test_valid_test_number_validates_for_its_courier(courier, fid, number):
    ms = t.match_formats(number)
    own = [m for m in ms if m.format_id == fid]
    assert own, f"{number!r} does not fit {fid}"
    assert own[0].well_formed
    assert own[0].courier_code == courier


@pytest.mark.parametrize(("courier", "fid", "number"), INVALID)
def test_invalid_test_number_does_not_validate(courier, fid, number):
    ms = t.match_formats(number)
    assert not any(m.well_formed and m.format_id == fid for m in ms)
    # and not for any other format of the same courier either, except the one case where the
    # data itself lists the number as valid for a sibling format: "331426749957" is an
    # invalid "Purolator (alpha + 9)" but a valid "Purolator (12)" test number.
    if (fid, number) != ("purolator_alpha", "331426749957"):
        assert not any(m.well_formed and m.courier_code == courier for m in ms)


def test_all_matches_are_returned_not_the_first():
    # PROVENANCE.md: "12-digit Purolator vs FedEx Express 12": 287809468872 is a Purolator
    # test number. FedEx 12 check by hand: digits 2,8,7,8,0,9,4,6,8,8,7 x weights
    # 3,1,7,3,1,7,3,1,7,3,1 = 6+8+49+24+0+63+12+6+56+24+7 = 255; 255 mod 11 = 2 -> 2 = last digit.
    ids = {m.format_id for m in t.match_formats("287809468872") if m.well_formed}
    assert {"purolator_numeric", "fedex_12"} <= ids


# ---------------------------------------------------------------------------------------------
# Check digits, by hand
# ---------------------------------------------------------------------------------------------

def test_mod10_ups_by_hand():
    # 1Z 5R8939035756712 7: R -> (82-3) mod 10 = 9; values 5,9,8,9,3,9,0,3,5,7,5,6,7,1,2;
    # odd positions doubled: 5+18+8+18+3+18+0+6+5+14+5+12+7+2+2 = 123 -> (10-3) = 7
    assert t.mod10("5R8939035756712", "7", evens_multiplier=1, odds_multiplier=2)
    assert not t.mod10("5R8939035756712", "8", evens_multiplier=1, odds_multiplier=2)


def test_mod10_reverse():
    # "12" reversed is "21": 2*3 + 1*1 = 7 -> check 3; not reversed 1*3 + 2*1 = 5 -> check 5
    assert t.mod10("12", "3", evens_multiplier=3, odds_multiplier=1, reverse=True)
    assert t.mod10("12", "5", evens_multiplier=3, odds_multiplier=1, reverse=False)


def test_mod7_by_hand():
    # 331881002 = 7 x 47411571 + 5
    assert t.mod7("331881002", "5")
    assert not t.mod7("331881002", "4")


def test_s10_by_hand():
    # 12345678 x 8,6,4,2,3,5,9,7 = 8+12+12+8+15+30+63+56 = 204; 204 mod 11 = 6; 11-6 = 5
    assert t.s10("12345678", "5")
    # remainder 0 -> check 5, remainder 1 -> check 0: 00000000 sums to 0 -> 5
    assert t.s10("00000000", "5")
    # 10000000: 8 mod 11 = 8 -> 11-8 = 3 ; 00000010: 9 mod 11 = 9 -> 2
    assert t.s10("10000000", "3") and t.s10("00000010", "2")
    # 00010000: 2 -> 11-2 = 9 ; 20000000: 16 mod 11 = 5 -> 6
    assert t.s10("00010000", "9") and t.s10("20000000", "6")
    # 40000000: 32 mod 11 = 10 -> 1 ; 30000000: 24 mod 11 = 2 -> 9 ;
    # remainder 1 -> 0: 00000008 weighs 8 x 7 = 56, 56 mod 11 = 1 -> 0
    assert t.s10("40000000", "1") and t.s10("30000000", "9") and t.s10("00000008", "0")


def test_fedex_weighted_by_hand():
    # 98657878885: 27+8+42+15+7+56+21+8+56+24+5 = 269; 269 mod 11 = 5; 5 mod 10 = 5
    assert t.sum_product_with_weightings_and_modulo(
        "98657878885", "5", weightings=[3, 1, 7] * 4, modulo1=11, modulo2=10)


def test_luhn_by_hand():
    # 320595463938 from the right: 8 + 6 + 9 + 6 + 6 + 8 + 5 + 9 + 5 + 0 + 2 + 6 = 70
    assert t.luhn("32059546393", "8")
    assert not t.luhn("32059546393", "9")


def test_mod_37_36_dpd():
    # DPD label spec worked through the data's test numbers "09 9800 0002 0033 F" (valid)
    # and "09980000020033D" (invalid)
    assert t.mod_37_36("09980000020033", "F")
    assert not t.mod_37_36("09980000020033", "D")


def test_s10_country_must_be_known():
    ms = {m.format_id: m for m in t.match_formats("RB123456785XX")}
    assert ms["s10"].check_digit_ok is True and ms["s10"].lookups_ok is False
    assert not ms["s10"].well_formed
    good = {m.format_id: m for m in t.match_formats("RB123456785DE")}["s10"]
    assert good.well_formed and good.details["country_code"] == "DE"
    assert good.details["Courier"] == "Deutsche Post"


def test_well_formed_by_carrier():
    assert t.well_formed("1Z5R89390357567127", carrier="UPS")
    assert not t.well_formed("1Z5R89390357567127", carrier="USPS")
    assert t.well_formed("RB123456785US", carrier="USPS")      # USPS-issued S10
    assert not t.well_formed("RB123456785CN", carrier="USPS")  # China Post's
    with pytest.raises(ParameterError):
        t.well_formed("1Z5R89390357567127", carrier="Nonexistent Carrier Ltd")


def test_resolve_carrier():
    assert t.resolve_carrier("FedEx").name == "FedEx"
    assert t.resolve_carrier("fed-ex").name == "FedEx"        # punctuation and case ignored
    assert t.resolve_carrier("DHL eCommerce").name == "DHL eCommerce"
    assert t.resolve_carrier("Hermes Logistik Gruppe").name == "Hermes"
    assert t.resolve_carrier("USPS via Pirate Ship").name == "USPS"
    assert t.resolve_carrier("Amazon Shipping").couriers == ("amazon",)
    assert t.resolve_carrier("Royal Mail").s10_countries == ("GB",)
    assert t.resolve_carrier("") is None and t.resolve_carrier(None) is None


def test_note_says_well_formed_is_not_valid():
    assert "not yet a valid" in t.NOTE and "scan" in t.NOTE
    assert "not yet a valid one in Amazon's sense" in t.__doc__.replace("\n   ", "")


# ---------------------------------------------------------------------------------------------
# The confirmation checks, hand-made rows
# ---------------------------------------------------------------------------------------------

def _conf(rows):
    """shipment_confirmations rows: (order_id, ship_ts, carrier_code, carrier_name, number)."""
    df = pd.DataFrame(rows, columns=["order_id", "ship_ts", "carrier_code", "carrier_name",
                                     "tracking_number"])
    df.insert(0, "seller_id", "s1")
    df.insert(1, "marketplace", "US")
    df["order_item_id"] = pd.NA
    df["ship_ts"] = pd.to_datetime(df["ship_ts"], utc=True)
    for c in ("order_id", "carrier_code", "carrier_name", "tracking_number", "order_item_id"):
        df[c] = df[c].astype("string")
    return df


T0 = "2026-10-01T18:00Z"
ROWS = [
    ("A-ok", T0, "USPS", None, "9400111206206406260787"),          # USPS IMpb N, valid
    ("B-missing", T0, "USPS", None, ""),
    ("C-ups-as-usps", T0, "USPS", None, "1Z5R89390357567127"),      # a UPS number
    ("D-typo", T0, "UPS", None, "1Z5R89390357567128"),              # check digit 7 -> 8
    ("E-garbage", T0, "UPS", None, "HELLO123"),
    ("F-other", T0, "Other", "USPS via Pirate Ship", "9400111206206407628746"),
    ("G-unknown", T0, "Pony Express Co", None, "9400111206206407628845"),
    ("H-reuse", T0, "Amazon Shipping", None, "TBA010000000000"),
    ("I-reuse", T0, "Amazon Shipping", None, " tba010000000000 "),  # same, other spelling
    ("J-two-rows", T0, "UPS", None, "1Z879E930346834440"),          # one order, two rows
    ("J-two-rows", T0, "UPS", None, "1Z879E930346834440"),
    ("K-dp", T0, "Deutsche Post", None, "RB123456785DE"),
    ("L-dp-gb", T0, "Deutsche Post", None, "RB123456785GB"),        # Royal Mail's S10
    ("M-hermes", T0, "Hermes", None, "H1016815302814906157"),       # no format to check
    ("N-dpd-dhl", T0, "DPD", None, "3318810025"),                   # DHL Express number
    ("O-s10-xx", T0, "Deutsche Post", None, "RB123456785XX"),       # no such country
    ("P-na", T0, "UPS", None, None),
]

EXPECTED = {  # order id -> the flags that must be set (all others unset)
    "A-ok": set(),
    "B-missing": {"missing"},
    "C-ups-as-usps": {"carrier_mismatch"},
    "D-typo": {"bad_check_digit"},
    "E-garbage": {"unknown_format"},
    "F-other": {"other_carrier"},
    "G-unknown": {"unknown_carrier"},
    "H-reuse": {"reused"},
    "I-reuse": {"reused"},
    "J-two-rows": set(),
    "K-dp": set(),
    "L-dp-gb": {"carrier_mismatch"},
    "M-hermes": set(),
    "N-dpd-dhl": {"carrier_mismatch"},
    "O-s10-xx": {"unknown_format"},
    "P-na": {"missing"},
}


@pytest.fixture(scope="module")
def checked():
    return t.check_tracking(_conf(ROWS))


def test_one_output_row_per_input_row(checked):
    assert len(checked) == len(ROWS)
    assert checked["order_id"].tolist() == [r[0] for r in ROWS]


@pytest.mark.parametrize("order_id", list(EXPECTED))
def test_flags_hand_made(checked, order_id):
    rows = checked[checked["order_id"] == order_id]
    for _, r in rows.iterrows():
        got = {f for f in t.FLAGS if r[f]}
        assert got == EXPECTED[order_id]
        assert r["problem"] == bool(EXPECTED[order_id])


def test_details_of_hand_made_rows(checked):
    by = checked.drop_duplicates("order_id").set_index("order_id")
    assert by.loc["C-ups-as-usps", "suggested_carrier"] == "UPS"
    assert by.loc["L-dp-gb", "suggested_carrier"] == "Royal Mail"
    assert by.loc["N-dpd-dhl", "suggested_carrier"] == "DHL"
    assert by.loc["F-other", "declared_carrier"] == "USPS"
    assert bool(by.loc["F-other", "fits_declared"]) is True
    assert by.loc["G-unknown", "suggested_carrier"] == "USPS"
    assert by.loc["M-hermes", "format_coverage"] == "none"
    assert pd.isna(by.loc["M-hermes", "fits_declared"])
    assert by.loc["H-reuse", "reused_with"] == "I-reuse"
    assert by.loc["I-reuse", "reused_with"] == "H-reuse"
    assert by.loc["H-reuse", "n_orders_with_number"] == 2
    assert by.loc["J-two-rows", "n_orders_with_number"] == 1
    assert "UPS (ups; check digit wrong)" in by.loc["D-typo", "matched_formats"]
    assert "USPS IMpb N (usps; check digit ok)" in by.loc["A-ok", "matched_formats"]


def test_ship_date_is_marketplace_local():
    # 06:30 UTC on 1 Oct is 23:30 on 30 Sep in Los Angeles (PDT, UTC-7)
    df = _conf([("X", "2026-10-01T06:30Z", "UPS", None, "1Z5R89390357567127")])
    out = t.check_tracking(df)
    assert out["ship_date"].iloc[0] == pd.Timestamp("2026-09-30")


def test_reuse_is_per_seller_account():
    a = _conf([("X1", T0, "UPS", None, "1Z5R89390357567127")])
    b = _conf([("X2", T0, "UPS", None, "1Z5R89390357567127")]).assign(seller_id="s2")
    out = t.check_tracking(pd.concat([a, b], ignore_index=True))
    assert not out["reused"].any()


def test_empty_table_and_missing_columns():
    out = t.check_tracking(_conf([]))
    assert out.empty and set(t.FLAGS) <= set(out.columns)
    assert t.tracking_action_list(out).columns.tolist() == t.ACTION_COLUMNS
    with pytest.raises(ParameterError):
        t.check_tracking(pd.DataFrame({"order_id": ["1"]}))


# ---------------------------------------------------------------------------------------------
# The action list
# ---------------------------------------------------------------------------------------------

def test_action_list_lists_problem_orders_once(checked):
    acts = t.tracking_action_list(checked)
    assert acts.columns.tolist() == t.ACTION_COLUMNS
    expected = {o for o, f in EXPECTED.items() if f}
    assert set(acts["order_id"]) == expected
    assert len(acts) == len(expected)   # no duplicates
    row = acts.set_index("order_id").loc["C-ups-as-usps"]
    assert "Change the carrier to UPS" in row["suggested_fix"]
    assert row["carrier"] == "USPS" and row["flags"] == "carrier_mismatch"
    assert acts.set_index("order_id").loc["F-other", "carrier"] == "Other (USPS via Pirate Ship)"
    assert "Choose USPS" in acts.set_index("order_id").loc["F-other", "suggested_fix"]
    assert "typo" in acts.set_index("order_id").loc["D-typo", "problem"]
    # every row says something in plain words
    assert (acts["problem"].str.len() > 20).all() and (acts["suggested_fix"].str.len() > 10).all()


def test_action_list_window_edges():
    # as_of 2026-10-31, 30 days: local ship dates 2026-10-02 .. 2026-10-31 are in,
    # 2026-10-01 (exactly as_of - 30) is out, 2026-11-01 (after as_of) is out.
    df = _conf([
        ("in-first", "2026-10-02T19:00Z", "USPS", None, ""),
        ("out-edge", "2026-10-01T19:00Z", "USPS", None, ""),
        ("in-last", "2026-10-31T19:00Z", "USPS", None, ""),
        ("out-after", "2026-11-01T19:00Z", "USPS", None, ""),
        # 06:00 UTC on 2 Oct is 23:00 on 1 Oct in Los Angeles: out
        ("out-local", "2026-10-02T06:00Z", "USPS", None, ""),
    ])
    acts = t.tracking_action_list(t.check_tracking(df), as_of=pd.Timestamp("2026-10-31"),
                                  window_days=30)
    assert sorted(acts["order_id"]) == ["in-first", "in-last"]
    # most recent first
    assert acts["order_id"].tolist() == ["in-last", "in-first"]
    with pytest.raises(ParameterError):
        t.tracking_action_list(t.check_tracking(df), as_of=pd.Timestamp("2026-10-31"))


def test_action_list_flag_choice_and_csv(checked, tmp_path):
    acts = t.tracking_action_list(checked, flags=("reused",))
    assert sorted(acts["order_id"]) == ["H-reuse", "I-reuse"]
    p = tmp_path / "tracking_actions.csv"
    acts.to_csv(p, index=False)
    back = pd.read_csv(p)
    assert back["order_id"].tolist() == acts["order_id"].tolist()
    with pytest.raises(ParameterError):
        t.tracking_action_list(checked, flags=("nonsense",))


def test_summary_counts(checked):
    s = t.tracking_summary(checked).iloc[0]
    # by hand from EXPECTED (rows, not orders): missing B, P = 2; reused H, I = 2;
    # carrier_mismatch C, L, N = 3; problem rows = 11 orders with flags, each one row
    assert s["rows"] == len(ROWS)
    assert s["missing"] == 2 and s["reused"] == 2 and s["carrier_mismatch"] == 3
    assert s["problem"] == sum(1 for f in EXPECTED.values() if f)


# ---------------------------------------------------------------------------------------------
# The synthetic sample: the planted tracking problem of every order is recovered
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_checked():
    from postship_analysis.readers.shipments import read_shipment_confirmations

    frames = []
    for mp in ("US", "DE"):
        p = SAMPLE / mp / "Shipment Confirmations.txt"
        if not p.exists():
            pytest.skip("sample data not generated")
        res = read_shipment_confirmations(p, seller_id="sample-seller", marketplace=mp)
        frames.append(res.data)
    checked = t.check_tracking(pd.concat(frames, ignore_index=True))
    truth = pd.read_csv(TRUTH / "orders.csv.gz", dtype=str,
                        usecols=["order_id", "tracking_problem", "reused_from"])
    return checked.merge(truth, on="order_id", how="left", validate="many_to_one")


# planted problem -> the flag that must recover it (sample.py: make_world)
PLANTED = {"missing": "missing", "invalid_check_digit": "bad_check_digit",
           "wrong_carrier": "carrier_mismatch", "other_carrier": "other_carrier",
           "reused": "reused"}


def test_sample_every_confirmation_has_truth(sample_checked):
    assert sample_checked["tracking_problem"].notna().all()


@pytest.mark.parametrize("planted", list(PLANTED))
def test_sample_planted_problem_recovered(sample_checked, planted):
    flag = PLANTED[planted]
    sel = sample_checked["tracking_problem"] == planted
    assert sel.sum() > 0
    # every planted order carries its flag ...
    assert sample_checked.loc[sel, flag].all()
    # ... and no flag other than that one
    others = [f for f in t.FLAGS if f != flag]
    assert not sample_checked.loc[sel, others].any(axis=None)


def test_sample_no_false_alarms(sample_checked):
    # orders planted without a problem get no flag, except the first user of a reused number,
    # which shares its number with the planted "reused" order (reused_from)
    ok = sample_checked["tracking_problem"].isin(["none", "never_scanned"])
    firsts = set(sample_checked["reused_from"].dropna())
    flagged = sample_checked[ok & sample_checked["problem"]]
    assert set(flagged["order_id"]) <= firsts
    assert flagged["reused"].all()
    assert not flagged[[f for f in t.FLAGS if f != "reused"]].any(axis=None)
    # never scanned: well-formed numbers, nothing to see without carrier scans (t.NOTE)
    ns = sample_checked["tracking_problem"] == "never_scanned"
    assert not sample_checked.loc[ns, "problem"].any()


def test_sample_reused_pairs(sample_checked):
    r = sample_checked[sample_checked["tracking_problem"] == "reused"]
    for _, row in r.iterrows():
        assert row["reused_from"] in row["reused_with"].split(", ")
