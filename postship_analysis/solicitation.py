"""Message-template compliance: what Amazon's review-solicitation rules forbid.

Reads a seller's buyer-message templates (the texts sent through Buyer-Seller Messaging or a
review-request tool) and flags sentences that break Amazon's Customer Product Reviews policy
(domain.md §3; https://sellercentral.amazon.com/gp/help/external/G201972160 and
https://sellercentral.amazon.com/gp/help/external/help.html?itemID=E8SYAZUBGVFBHCH):

``positive_review``  asking for a positive review (or five stars);
``incentive``        offering anything for a review: money, gift cards, free or discounted
                     products, refunds or reimbursements, future benefits;
``happy_only``       asking only buyers who had a good experience;
``divert_unhappy``   steering unhappy buyers away from reviews (to the seller first, instead);
``change_review``    asking to change, update or remove a review.

The rules are data (:data:`RULES`): each has an id, the policy sentence it rests on, the
source URL and its patterns, in English and German (Amazon.de). A pattern may require a
review word (review, feedback, rating, stars / Bewertung, Rezension, Sterne) in the same
sentence or a neighbouring one, so ordinary service messages ("your order has shipped",
"let us know if you have any problem with your order", "we have issued your refund") and
neutral review requests ("please consider leaving a review") are not flagged.

This is a screen, not a legal opinion: phrasing it does not know can slip through, and a
flagged sentence should be read by a person. Amazon's own "Request a Review" button (and the
Solicitations API) sends a fixed, compliant message and needs no template.

Example
-------
>>> [f.rule_id for f in check_text("Leave us a 5-star review and get a $10 gift card!")]
['positive_review', 'incentive']
>>> check_text("Your order has shipped. Please consider leaving a review.")
[]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .errors import ParameterError
from .readers.templates import load_templates  # file reading lives with the readers

POLICY_URL = "https://sellercentral.amazon.com/gp/help/external/G201972160"
EXAMPLES_URL = "https://sellercentral.amazon.com/gp/help/external/help.html?itemID=E8SYAZUBGVFBHCH"

#: Words that make a sentence about reviews, per language.
REVIEW_CONTEXT = {
    "en": r"\b(?:reviews?|reviewers?|reviewing|feedback|ratings?|rate|stars?|testimonials?)\b",
    "de": r"(?:bewert\w*|rezension\w*|feedback|sterne\w*|erfahrungsbericht\w*)",
}


@dataclass(frozen=True)
class Pattern:
    """One regular expression of a rule (matched case-insensitively, sentence by sentence).

    ``context``: "" (the pattern alone is enough), "sentence" (a review word must be in the
    same sentence) or "nearby" (in the same or the previous/next sentence). ``also``: a second
    expression that must match in the same sentence.
    """

    regex: str
    lang: str = "en"
    context: str = ""
    also: str = ""


@dataclass(frozen=True)
class Rule:
    """A forbidden practice: id, short title, the policy text it rests on, source, patterns."""

    id: str
    title: str
    policy: str
    source: str
    patterns: tuple[Pattern, ...]


# --- building blocks -------------------------------------------------------------------------
_EN_REVIEW_NOUN = r"(?:reviews?|feedback|ratings?)"
_EN_INCENTIVE = (
    r"(?:\bgift\s*cards?\b|\bvouchers?\b|\bcoupons?\b|\bdiscount(?:s|ed)?\b|\bpromo\s*codes?\b"
    r"|\b\d+\s?%\s*off\b|\bfree\s+(?:gifts?|products?|items?|samples?|units?|bonus\w*|e-?books?"
    r"|accessor\w+|bottles?|packs?)\b|\bfor\s+free\b|\bfree\s+of\s+charge\b|\brefund(?:s|ed)?\b"
    r"|\breimburs\w*|\bcash\s*back\b|\bpay\s*pal\b|\bmoney\b|[$€£]\s?\d+|\b\d+\s?(?:dollars?"
    r"|euros?|pounds?)\b|\breward\w*|\bgiveaways?\b|\braffles?\b|\bprize\s+draws?\b"
    r"|\bsweepstakes?\b|\bvip\b|\bearly\s+access\b|\bexclusive\s+(?:offers?|deals?|discounts?)\b"
    r"|\bloyalty\s+points?\b|\bbonus\b|\bcompensat\w*)"
)
_EN_LINK = (
    r"\b(?:in\s+exchange\s+for|in\s+return(?:\s+for)?|as\s+a\s+(?:small\s+|little\s+)?"
    r"(?:thank[- ]?you|token\s+of\s+(?:our\s+)?(?:appreciation|gratitude))|to\s+thank\s+you"
    r"|once\s+(?:you(?:'ve|\s+have)?\s+)?(?:posted|left|written|submitted|done\s+(?:so|that))"
    r"|after\s+(?:you\s+)?(?:post|leave|write|submit)\w*|screenshot)"
)
_DE_INCENTIVE = (
    r"(?:gutschein\w*|rabatt\w*|preisnachlass\w*|\b\d+\s?%|kostenlos\w*|\bgratis\b|geschenk\w*"
    r"|rückerstatt\w*|erstatt\w*|geld\s+zurück|cashback|belohn\w*|gewinnspiel\w*|verlosung\w*"
    r"|prämie\w*|\bbonus\b|\b\d+\s?(?:€|euro)\b|€\s?\d+|amazon-?gutschein\w*)"
)
_DE_LINK = (r"\b(?:im\s+gegenzug|als\s+(?:kleines\s+)?dankeschön|zum\s+dank|als\s+dank"
            r"|sobald\s+sie|nachdem\s+sie|screenshot)")
_DE_REVIEW_NOUN = r"(?:bewertung(?:en)?|rezension(?:en)?|feedback|kundenbewertung(?:en)?)"


RULES: tuple[Rule, ...] = (
    Rule(
        "positive_review", "Asking for a positive review",
        "If you decide to ask a buyer to leave a review, you may not ask for a positive review.",
        POLICY_URL,
        (
            Pattern(r"\b(?:positive|good|great|glowing|favou?rable|excellent|nice|stellar"
                    r"|awesome|amazing|perfect|top|high|best|5[- ]?stars?|five[- ]?stars?)"
                    r"[- ](?:product\s+|seller\s+|amazon\s+)?" + _EN_REVIEW_NOUN + r"\b"),
            Pattern(r"\b(?:leave|give|rate|rating|award|consider|deserve)\b[^.!?\n]{0,40}?"
                    r"\b(?:5|five|full|all)[- ]?stars?\b"),
            Pattern(r"\brate\s+us\s+(?:highly|well|high)\b"),
            Pattern(r"\b(?:positive[nrsm]?|gute[nrsm]?|tolle[nrsm]?|sehr\s+gute[nrsm]?"
                    r"|ausgezeichnete[nrsm]?|top|5[- ]?sterne[n]?|fünf[- ]?sterne[n]?)[- ]"
                    + _DE_REVIEW_NOUN + r"\b", "de"),
            Pattern(r"\b(?:5|fünf)[- ]?stern(?:e|en)?\b", "de"),
        ),
    ),
    Rule(
        "incentive", "Offering an incentive for a review",
        "You may not offer any compensation for a review, including money or gift cards, free "
        "or discounted products, refunds or reimbursements, or any other future benefits.",
        POLICY_URL,
        (
            Pattern(_EN_INCENTIVE, context="sentence"),
            Pattern(_EN_LINK, context="nearby", also=_EN_INCENTIVE),
            Pattern(_DE_INCENTIVE, "de", context="sentence"),
            Pattern(_DE_LINK, "de", context="nearby", also=_DE_INCENTIVE),
        ),
    ),
    Rule(
        "happy_only", "Asking only buyers with a good experience",
        "You may not ask for reviews only from buyers who had a positive experience.",
        POLICY_URL,
        (
            Pattern(r"\bif\s+(?:you\s+)?(?:are|were|'re|have\s+been|feel|felt)?\s*"
                    r"(?:happy|satisfied|pleased|delighted|thrilled|content)\b", context="nearby"),
            Pattern(r"\bif\s+you\s+(?:love|loved|like|liked|enjoy|enjoyed|are\s+enjoying)\b",
                    context="nearby"),
            Pattern(r"\bif\s+(?:you\s+)?(?:had|have\s+had|experienced)\s+(?:a|an)\s+(?:good|great"
                    r"|positive|pleasant|excellent|wonderful|nice|5[- ]star)\s+experience\b",
                    context="nearby"),
            Pattern(r"\bif\s+(?:everything|all)\s+(?:is|was|went|arrived)\s+(?:fine|ok(?:ay)?"
                    r"|good|great|perfect|well|to\s+your\s+satisfaction|as\s+expected)\b",
                    context="nearby"),
            Pattern(r"\bare\s+you\s+(?:happy|satisfied|pleased)\b", context="nearby"),
            Pattern(r"\b(?:happy|satisfied|pleased)\s+(?:customers|buyers|shoppers)\b",
                    context="sentence"),
            Pattern(r"\botherwise\b[^.!?\n]{0,50}?\b(?:review|feedback|rate|rating)", ),
            Pattern(r"\b(?:wenn|falls|sofern)\s+(?:sie|du)\s+(?:mit\s+[^.!?\n]{0,40}?\s+)?"
                    r"(?<!nicht )(?:zufrieden|glücklich|begeistert)\b", "de", context="nearby"),
            Pattern(r"\b(?:wenn|falls|sofern)\s+(?:ihnen|dir)\s+(?:[^.!?\n]{0,40}?\s+)?"
                    r"(?<!nicht )(?:gefällt|gefallen\s+hat|gefallen\s+haben)\b", "de",
                    context="nearby"),
            Pattern(r"\b(?:sind\s+sie|bist\s+du)\s+zufrieden\b", "de", context="nearby"),
            Pattern(r"\b(?:zufriedene[nr]?|glückliche[nr]?)\s+kunden\b", "de",
                    context="sentence"),
            Pattern(r"\bandernfalls\b[^.!?\n]{0,60}?" + REVIEW_CONTEXT["de"], "de"),
        ),
    ),
    Rule(
        "divert_unhappy", "Diverting unhappy buyers away from reviews",
        "A seller only asks for reviews from buyers who had a positive experience and attempts "
        "to divert buyers who had a negative experience to a different feedback mechanism "
        "(Amazon's example of a prohibited activity).",
        EXAMPLES_URL,
        (
            Pattern(r"\b(?:before|instead\s+of|rather\s+than|prior\s+to)\s+(?:you\s+)?(?:leav|writ"
                    r"|post|giv|submit|publish|send)\w*\s+(?:us\s+)?(?:a\s+|an\s+|any\s+|your\s+)?"
                    r"(?:negative\s+|bad\s+|poor\s+|low\s+|unfavou?rable\s+|neutral\s+|critical\s+"
                    r"|1[- ]?star\s+|one[- ]?star\s+)?" + _EN_REVIEW_NOUN + r"\b"),
            Pattern(r"\b(?:don't|do\s+not|never|avoid|no\s+need\s+to)\s+(?:leav|writ|post|giv)\w*"
                    r"\s+(?:us\s+)?(?:a\s+|an\s+|any\s+)?(?:negative|bad|poor|low|neutral"
                    r"|1[- ]?star|one[- ]?star)\s+" + _EN_REVIEW_NOUN),
            Pattern(r"\b(?:contact|e-?mail|message|tell|write\s+to|reach\s+out\s+to|call)\s+us\s+"
                    r"first\b|\blet\s+us\s+know\s+first\b", context="nearby"),
            Pattern(r"\b(?:contact|e-?mail|message|write\s+to|reach\s+out\s+to)\s+us\b"
                    r"[^.!?\n]{0,40}?\binstead\b", context="nearby"),
            Pattern(r"\b(?:bevor|ehe)\s+sie\s+(?:[^.!?\n]{0,30}?\s)?(?:eine?n?\s+)?(?:negative\s+"
                    r"|schlechte\s+|neutrale\s+)?" + _DE_REVIEW_NOUN, "de"),
            Pattern(r"\b(?:statt|anstatt|anstelle)\s+(?:einer?\s+)?(?:negativen\s+|schlechten\s+"
                    r"|neutralen\s+)?" + _DE_REVIEW_NOUN, "de"),
            Pattern(r"\b(?:keine|bitte\s+keine)\s+(?:negative|schlechte|neutrale)\s+"
                    + _DE_REVIEW_NOUN, "de"),
            Pattern(r"\b(?:kontaktieren|schreiben|informieren|melden)\s+sie\s+(?:sich\s+)?"
                    r"(?:bitte\s+)?(?:bei\s+)?(?:uns\s+)?(?:bitte\s+)?(?:zuerst|zunächst)\b"
                    r"|\b(?:zuerst|zunächst)\s+(?:an\s+|bei\s+)?uns\b|\bstattdessen\b", "de",
                    context="nearby"),
        ),
    ),
    Rule(
        "change_review", "Asking to change or remove a review",
        "You may not ask customers to change or remove their review; you cannot ask customers "
        "to change or remove their review, even after an issue is resolved.",
        POLICY_URL,
        (
            Pattern(r"\b(?:(?:chang|updat|edit|revis|amend|remov|delet|withdr[ae]w|retract"
                    r"|reconsider|modif[yi]|improv|upgrad|rais|revisit)\w*|tak(?:e|ing)\s+down)"
                    r"\s+(?:your|the|this|that|their)\s+(?:\w+\s+){0,2}?"
                    r"(?:reviews?|feedback|ratings?|stars?)\b"),
            Pattern(r"\b(?:your|the|this|that)\s+(?:\w+\s+)?(?:reviews?|feedback|ratings?)\s+"
                    r"(?:\w+\s+){0,3}?(?:removed|deleted|changed|updated|revised|taken\s+down"
                    r"|amended|edited|withdrawn)\b"),
            Pattern(r"\b" + _DE_REVIEW_NOUN + r"\s+(?:\w+\s+){0,3}?(?:zu\s+)?(?:ändern|anzupassen"
                    r"|anpassen|löschen|entfernen|zurückziehen|zurückzuziehen|zurücknehmen"
                    r"|zurückzunehmen|überarbeiten|aktualisieren|korrigieren|überdenken)\b", "de"),
            Pattern(r"\b(?:ändern|löschen|entfernen|überarbeiten|aktualisieren|korrigieren"
                    r"|überdenken)\s+sie\s+(?:bitte\s+)?(?:ihre|die|ihr)\s+(?:\w+\s+)?"
                    + _DE_REVIEW_NOUN, "de"),
        ),
    ),
)


@dataclass(frozen=True)
class Finding:
    """One sentence of one template that breaks one rule."""

    template: str
    rule_id: str
    rule: str
    language: str
    start: int          # character offsets of the matched span in the template
    end: int
    matched_text: str
    sentence: str
    policy: str
    source: str


_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n+")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of ``text`` (split at . ! ? before a space, and at
    line breaks; "$5.00" and "e.g.x" are not split)."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if text[start:m.end()].strip():
            spans.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


_FLAGS = re.IGNORECASE | re.UNICODE


def _compile(rules):
    out = []
    for rule in rules:
        for p in rule.patterns:
            out.append((rule, p, re.compile(p.regex, _FLAGS),
                        re.compile(p.also, _FLAGS) if p.also else None))
    return out


_COMPILED = {}
_CONTEXT = {k: re.compile(v, _FLAGS) for k, v in REVIEW_CONTEXT.items()}


def check_text(text: str, *, name: str = "template", languages: Sequence[str] = ("en", "de"),
               rules: Sequence[Rule] = RULES) -> list[Finding]:
    """Findings for one template text, in order of position (one per rule and sentence).

    >>> [(f.rule_id, f.matched_text) for f in check_text("Please update your review.")]
    [('change_review', 'update your review')]
    """
    key = id(rules) if not isinstance(rules, tuple) else rules
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = _compile(rules)
    spans = sentences(text)
    sents = [text[a:b] for a, b in spans]
    found: dict[tuple[str, int], Finding] = {}
    for i, (a, _b) in enumerate(spans):
        s = sents[i]
        for rule, p, rx, also in compiled:
            if p.lang not in languages or (rule.id, i) in found:
                continue
            m = rx.search(s)
            if m is None or (also is not None and also.search(s) is None):
                continue
            if p.context:
                ctx = _CONTEXT[p.lang]
                window = [s] if p.context == "sentence" else sents[max(0, i - 1):i + 2]
                if not any(ctx.search(w) for w in window):
                    continue
            found[(rule.id, i)] = Finding(
                template=name, rule_id=rule.id, rule=rule.title, language=p.lang,
                start=a + m.start(), end=a + m.end(), matched_text=m.group(0),
                sentence=s.strip(), policy=rule.policy, source=rule.source)
    return sorted(found.values(), key=lambda f: (f.start, f.rule_id))



FINDING_COLUMNS = ["template", "rule_id", "rule", "language", "start", "end", "matched_text",
                   "sentence", "policy", "source"]


def check_templates(templates, *, languages: Sequence[str] = ("en", "de"),
                    rules: Sequence[Rule] = RULES) -> pd.DataFrame:
    """Check a seller's message templates against Amazon's review-solicitation rules.

    ``templates``: a list of strings, a {name: text} dict, or a folder of ``.txt`` files.
    ``languages``: pattern languages to apply ("en", "de"; both by default, so a German
    template sent on Amazon.de is checked too).

    Returns one row per finding (columns :data:`FINDING_COLUMNS`): the template name, the rule
    broken (id and title), the language of the pattern, the character span and text matched,
    the whole sentence, the policy text and its source URL. No rows = nothing flagged (which
    is not a guarantee of compliance; a person should still read the templates).

    >>> df = check_templates(["If you love it, please leave us a review!"])
    >>> df[["template", "rule_id", "matched_text"]].values.tolist()
    [['template_1', 'happy_only', 'If you love']]
    """
    unknown = [x for x in languages if x not in REVIEW_CONTEXT]
    if unknown:
        raise ParameterError(f"unknown languages {unknown}; known: {list(REVIEW_CONTEXT)}")
    texts = load_templates(templates)
    rows = [f.__dict__ for name, text in texts.items()
            for f in check_text(text, name=name, languages=languages, rules=rules)]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS).astype(
        {c: "string" for c in FINDING_COLUMNS if c not in ("start", "end")}
        | {"start": "Int64", "end": "Int64"})


def template_summary(findings: pd.DataFrame, templates) -> pd.DataFrame:
    """One row per template: number of findings and the rules broken (empty = none found)."""
    names = list(load_templates(templates))
    g = findings.groupby("template")
    out = pd.DataFrame({"template": names})
    out["findings"] = out["template"].map(g.size()).fillna(0).astype("Int64")
    rules = g["rule_id"].agg(lambda s: ", ".join(dict.fromkeys(s)))
    out["rules_broken"] = out["template"].map(rules).fillna("").astype("string")
    return out


__all__ = ["Rule", "Pattern", "Finding", "RULES", "REVIEW_CONTEXT", "POLICY_URL",
           "EXAMPLES_URL", "FINDING_COLUMNS", "check_text", "check_templates",
           "load_templates", "template_summary", "sentences"]
