"""Message-template compliance: what Amazon's review-solicitation and communication rules
forbid, in the languages of the supported marketplaces (EN, DE, FR, IT, ES, JA).

Reads a seller's buyer-message templates (the texts sent through Buyer-Seller Messaging or a
review-request tool) and flags sentences that break

* Amazon's **Customer Product Reviews policy** (domain.md §3; help G201972160 and the examples
  page E8SYAZUBGVFBHCH):

  ``positive_review``  asking for a positive review (or five stars);
  ``incentive``        offering anything for a review: money, gift cards, free or discounted
                       products, refunds or reimbursements, future benefits;
  ``happy_only``       asking only buyers who had a good experience;
  ``steer_positive``   wording that steers toward a positive review ("Loved it? Leave a
                       review!");
  ``divert_unhappy``   steering unhappy buyers away from reviews (to the seller first, instead);
  ``change_review``    asking to change, update or remove a review;

* Amazon's **Communication Guidelines** for messages to buyers (help G1801):

  ``external_link``    links other than Amazon's own (an Amazon domain of a supported
                       marketplace is allowed, :data:`ALLOWED_LINK_DOMAINS`);
  ``email_address``    e-mail addresses;
  ``phone_number``     telephone numbers;
  ``social_media``     social-media handles, networks, "follow us";
  ``marketing``        marketing or promotional content (other products, the shop, newsletter,
                       discount codes, sales);
  ``thanks_or_shipping_only``  a message that only thanks the buyer and/or confirms shipment
                       (with at most an offer of help): Amazon already sends the shipment
                       confirmation, and such a message has no permitted purpose.

The rules are data (:data:`RULES`): each has an id, the policy line it rests on, the source URL
and its patterns per language (``"*"`` = any language: links, e-mail addresses, phone numbers).
A pattern may require a review word (review, Bewertung, avis, recensione, reseña, レビュー...,
:data:`REVIEW_CONTEXT`) in the same sentence or a neighbouring one, so ordinary service messages
("we have issued your refund") and neutral review requests ("please consider leaving a review")
are not flagged. ``thanks_or_shipping_only`` judges the whole message: it is flagged when every
sentence is a thank-you, a shipping notice, a greeting, a sign-off or an offer of help, and at
least one is a thank-you or a shipping notice.

Where the policy wording comes from: the review rules quote G201972160 / E8SYAZUBGVFBHCH; the
communication rules paraphrase the Communication Guidelines page (G1801; Amazon staff on the UK
seller forum: "You cannot contact buyers for marketing or promotional purposes"; the itemised
list of what permitted messages may not include -- e-mail addresses, telephone numbers, links
other than those needed to complete the order, messages that only thank or confirm shipment --
as published with the November 2020 update of the guidelines).

This is a screen, not a legal opinion: phrasing it does not know can slip through, and a
flagged sentence should be read by a person. Amazon's own "Request a Review" button (and the
Solicitations API) sends a fixed, compliant message and needs no template.

Example
-------
>>> [f.rule_id for f in check_text("Leave us a 5-star review and get a $10 gift card!")]
['positive_review', 'incentive']
>>> check_text("Thank you for your order. Please consider leaving a review.")
[]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .contract import MARKETPLACES
from .errors import ParameterError
from .readers.templates import load_templates  # file reading lives with the readers

POLICY_URL = "https://sellercentral.amazon.com/gp/help/external/G201972160"
EXAMPLES_URL = "https://sellercentral.amazon.com/gp/help/external/help.html?itemID=E8SYAZUBGVFBHCH"
COMMUNICATION_URL = "https://sellercentral.amazon.com/help/hub/reference/external/G1801"

#: languages with patterns: the supported marketplaces' languages
LANGUAGES = ("en", "de", "fr", "it", "es", "ja")

#: Words that make a sentence about reviews, per language.
REVIEW_CONTEXT = {
    "en": r"\b(?:reviews?|reviewers?|reviewing|feedback|ratings?|rate|stars?|testimonials?)\b",
    "de": r"(?:bewert\w*|rezension\w*|feedback|sterne\w*|erfahrungsbericht\w*)",
    "fr": r"\b(?:avis|évaluations?|évaluer|commentaires?|étoiles?|feedback|notez|noter)\b",
    "it": r"\b(?:recension\w*|valutazion\w*|valutar\w*|feedback|stell[ae]|opinion[ei])\b",
    "es": r"\b(?:reseñas?|opinión|opiniones|valoraci\w+|valorar|comentarios?|estrellas?"
          r"|calificaci\w+|feedback)\b",
    "ja": r"(?:レビュー|評価|星[1-5１-５]?|★|フィードバック|口コミ|クチコミ|感想)",
}

#: Amazon domains a link may point to (every supported marketplace's domain, any subdomain).
ALLOWED_LINK_DOMAINS = tuple(sorted({m.domain.lower().removeprefix("www.")
                                     for m in MARKETPLACES.values()} | {"amazon.com"}))


@dataclass(frozen=True)
class Pattern:
    """One regular expression of a rule (matched case-insensitively, sentence by sentence).

    ``lang``: a language code of :data:`LANGUAGES`, or ``"*"`` (any language). ``context``:
    "" (the pattern alone is enough), "sentence" (a review word must be in the same sentence)
    or "nearby" (in the same or the previous/next sentence). ``also``: a second expression that
    must match in the same sentence. ``exclude``: a match that also matches this expression
    (in full) is skipped (e.g. links on Amazon's own domains).
    """

    regex: str
    lang: str = "en"
    context: str = ""
    also: str = ""
    exclude: str = ""


@dataclass(frozen=True)
class Rule:
    """A forbidden practice: id, short title, the policy line it rests on, source, patterns."""

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
_FR_REVIEW_NOUN = r"(?:avis|évaluations?|commentaires?|notes?)"
_FR_INCENTIVE = (
    r"(?:\bbons?\s+d'achat\b|\bcartes?\s+cadeaux?\b|\bchèques?\s+cadeaux?\b|\bréductions?\b"
    r"|\bremises?\b|\bcodes?\s+promo\w*\b|\bgratuit\w*|\boffert\w*|\bcadeaux?\b|\brembours\w*"
    r"|\b\d+\s?%|\b\d+\s?(?:€|euros?)|€\s?\d+|\brécompense\w*|\bconcours\b|\btirage\s+au\s+sort\b)"
)
_FR_LINK = (r"\b(?:en\s+échange|en\s+remerciement|pour\s+vous\s+remercier|une\s+fois\s+(?:votre"
            r"|l'avis|que)|après\s+avoir|capture\s+d'écran)")
_IT_REVIEW_NOUN = r"(?:recension[ei]|valutazion[ei]|feedback|opinion[ei])"
_IT_INCENTIVE = (
    r"(?:\bbuon[oi]\s+(?:regalo|sconto|acquisto)\b|\bcart[ae]\s+regalo\b|\bscont\w+|\bcodic[ei]"
    r"\s+(?:sconto|promozional\w*)\b|\bgratis\b|\bgratuit\w+|\bin\s+omaggio\b|\bomaggio\b"
    r"|\bregal\w+|\brimbors\w*|\b\d+\s?%|\b\d+\s?(?:€|euro)|€\s?\d+|\bpremi\w*|\bconcors\w*)"
)
_IT_LINK = (r"\b(?:in\s+cambio|come\s+ringraziamento|per\s+ringraziarti|per\s+ringraziarla"
            r"|dopo\s+aver\w*|una\s+volta\s+(?:lasciat\w+|pubblicat\w+)|screenshot)")
_ES_REVIEW_NOUN = r"(?:reseñas?|opiniones|opinión|valoraci(?:ón|ones)|comentarios?)"
_ES_INCENTIVE = (
    r"(?:\btarjetas?\s+regalo\b|\bcheques?\s+regalo\b|\bvales?\b|\bdescuentos?\b|\bcódigos?\s+"
    r"(?:de\s+descuento|promocional\w*)\b|\bcupón\b|\bcupones\b|\bgratis\b|\bgratuit\w+"
    r"|\bregal\w+|\breembols\w*|\b\d+\s?%|\b\d+\s?(?:€|euros?)|€\s?\d+|\bpremios?\b|\bsorteos?\b)"
)
_ES_LINK = (r"\b(?:a\s+cambio|como\s+agradecimiento|en\s+agradecimiento|para\s+agradecerle"
            r"|después\s+de\s+(?:dejar|publicar|escribir)|una\s+vez\s+(?:que|publicad\w+)"
            r"|captura\s+de\s+pantalla)")
_JA_INCENTIVE = (r"(?:ギフト券|ギフトカード|アマゾンギフト|Amazonギフト|割引|クーポン|無料|プレゼント"
                 r"|返金|キャッシュバック|ポイント|特典|謝礼|[0-9０-９]+\s?[%％]\s?オフ|[0-9０-９]+円分"
                 r"|粗品|おまけ)")
_JA_LINK = r"(?:お礼に|お礼として|代わりに|引き換え|投稿後|投稿いただいた方|レビュー後|スクリーンショット)"

_URL = (r"(?:https?://|www\.)[^\s<>\"')\]]+|(?<![@\w.-])(?:[a-z0-9-]+\.)+(?:com|net|org|info|shop|store"
        r"|online|de|fr|it|es|jp|co\.uk|uk|eu|io|ly|me|co|us|ca|mx|br|nl|se|pl|in|au|ae|sa)"
        r"\b(?:/[^\s<>\"')\]]*)?")
_AMAZON = (r"(?:https?://)?(?:[a-z0-9-]+\.)*(?:" + "|".join(re.escape(d) for d in
           ["amazon.com", "amazon.ca", "amazon.com.mx", "amazon.com.br", "amazon.co.uk",
            "amazon.de", "amazon.fr", "amazon.it", "amazon.es", "amazon.nl", "amazon.se",
            "amazon.pl", "amazon.in", "amazon.co.jp", "amazon.com.au", "amazon.ae",
            "amazon.sa", "amazon.com.tr", "amazon.sg", "amazon.eg", "amazon.com.be"])
           + r")(?:[/?#][^\s]*)?")
_EMAIL = r"[\w.+-]+@(?:[\w-]+\.)+[a-z]{2,}"
_PHONE_WORD = (r"(?:\b(?:tel|tél|phone|telephone|call\s+us|ring\s+us|hotline|telefon\w*"
               r"|rufen\s+sie|téléphone|appelez|telefono|chiamac\w+|teléfono|llám\w+)\b|電話|TEL)")
_DIGITS = r"[+(]?\d[\d\s().-/]{5,}\d"

#: phrases that make a sentence a thank-you / a shipping notice / boilerplate (greeting,
#: sign-off, offer of help), per language, for ``thanks_or_shipping_only``
THANKS = {
    "en": r"\b(?:thanks?|thank\s+you|we\s+appreciate\s+your\s+(?:order|purchase|business))\b",
    "de": r"\b(?:danke\w*|vielen\s+dank|herzlichen\s+dank)\b",
    "fr": r"\b(?:merci)\b",
    "it": r"\b(?:grazie|ringraziamo|ringraziarla|ringraziarti)\b",
    "es": r"\b(?:gracias|agradecemos)\b",
    "ja": r"(?:ありがとうございます|ありがとうございました|ありがとう|感謝|御礼|お礼申し上げます)",
}
SHIPPED = {
    "en": r"\b(?:(?:has|have|was|were)\s+(?:been\s+)?(?:shipped|dispatched|sent)|shipped\s+today"
          r"|(?:is|are)\s+on\s+(?:its|their|the)\s+way|tracking\s+(?:number|id|link)|will\s+arrive"
          r"|out\s+for\s+delivery|estimated\s+delivery)\b",
    "de": r"\b(?:versandt|versendet|verschickt|unterwegs|sendungsnummer|sendungsverfolgung"
          r"|zugestellt|auf\s+dem\s+weg)\b",
    "fr": r"\b(?:expédiée?s?|envoyée?s?|en\s+route|en\s+chemin|numéro\s+de\s+suivi|sera\s+livrée?)\b",
    "it": r"\b(?:spedit[oaie]|inviat[oaie]|in\s+viaggio|in\s+consegna|numero\s+di\s+tracciamento"
          r"|tracking)\b",
    "es": r"\b(?:enviad[oa]s?|despachad[oa]s?|en\s+camino|número\s+de\s+seguimiento"
          r"|será\s+entregad[oa])\b",
    "ja": r"(?:発送(?:いたしました|しました|されました|完了)|出荷(?:いたしました|しました|されました)"
          r"|お届け予定|追跡番号|配送状況)",
}
BOILERPLATE = {
    "en": r"^\W*(?:(?:dear|hi|hello|good\s+(?:morning|afternoon|evening))\b.{0,40}"
          r"|(?:best|kind|warm)?\s*regards\W*.{0,40}|sincerely\W*.{0,40}|cheers\W*.{0,40}"
          r"|(?:the\s+)?[\w .{}\[\]-]{0,30}\s+team\W*"
          r"|.*\b(?:let\s+us\s+know|contact\s+us|reach\s+out|reply\s+to\s+this\s+message"
          r"|(?:any|have)\s+(?:questions?|problems?|issues?)|here\s+to\s+help|we\s+will\s+help"
          r"|hope\s+you\s+(?:enjoy|like|love))\b.*)$",
    "de": r"^\W*(?:(?:sehr\s+geehrte\w*|liebe\w*|hallo|guten\s+(?:tag|morgen|abend))\b.{0,40}"
          r"|(?:mit\s+)?(?:freundlichen|besten|herzlichen|vielen)\s+grüßen?\W*.{0,40}"
          r"|viele\s+grüße\W*.{0,40}|ihr\s+[\w .-]{0,30}team\W*"
          r"|.*\b(?:bei\s+fragen|falls\s+sie\s+fragen|melden\s+sie\s+sich|kontaktieren\s+sie\s+uns"
          r"|stehen\s+wir\s+ihnen|gerne\s+zur\s+verfügung|viel\s+freude)\b.*)$",
    "fr": r"^\W*(?:(?:bonjour|cher|chère|madame|monsieur)\b.{0,40}|cordialement\W*.{0,40}"
          r"|bien\s+à\s+vous\W*.{0,40}|l'équipe\s+[\w .-]{0,30}"
          r"|.*\b(?:n'hésitez\s+pas|si\s+vous\s+avez\s+des\s+questions|contactez-nous"
          r"|à\s+votre\s+disposition|nous\s+sommes\s+là)\b.*)$",
    "it": r"^\W*(?:(?:gentile|caro|cara|ciao|buongiorno|salve)\b.{0,40}"
          r"|(?:cordiali|distinti)\s+saluti\W*.{0,40}|il\s+team\s+[\w .-]{0,30}"
          r"|.*\b(?:per\s+qualsiasi\s+domanda|non\s+esit\w+|contattaci|ci\s+contatti"
          r"|a\s+disposizione|siamo\s+qui)\b.*)$",
    "es": r"^\W*(?:(?:estimad[oa]|hola|buenos\s+días)\b.{0,40}|(?:saludos|atentamente)\W*.{0,40}"
          r"|el\s+equipo\s+[\w .-]{0,30}"
          r"|.*\b(?:si\s+tiene\s+alguna\s+(?:pregunta|duda)|no\s+dude|contáctenos|contáctanos"
          r"|a\s+su\s+disposición|estamos\s+aquí)\b.*)$",
    "ja": r"^\W*(?:.{0,20}様\W*|いつも.{0,20}|今後とも.{0,30}|よろしくお願い.{0,20}"
          r"|.*(?:何かございましたら|ご不明な点|お気軽に|お問い合わせ).*)$",
}

_C = "Customer Product Reviews policy"
_G = "Communication Guidelines"

RULES: tuple[Rule, ...] = (
    Rule(
        "positive_review", "Asking for a positive review",
        f"{_C}: if you decide to ask a buyer to leave a review, you may not ask for a positive "
        "review.",
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
            Pattern(r"\b" + _FR_REVIEW_NOUN + r"\s+(?:très\s+)?(?:positif|positive|favorable"
                    r"|excellent|élogieux)s?\b|\b(?:bon|excellent|super)\s+avis\b", "fr"),
            Pattern(r"\b(?:5|cinq)\s+étoiles\b", "fr"),
            Pattern(r"\b" + _IT_REVIEW_NOUN + r"\s+(?:molto\s+)?(?:positiv[ae]|ottim[ae]"
                    r"|eccellent[ei]|favorevol[ei])\b|\b(?:buona|ottima|bella)\s+recensione\b",
                    "it"),
            Pattern(r"\b(?:5|cinque)\s+stelle\b", "it"),
            Pattern(r"\b" + _ES_REVIEW_NOUN + r"\s+(?:muy\s+)?(?:positiv[ao]s?|excelentes?"
                    r"|favorables?|buen[ao]s?)\b|\b(?:buena|excelente)\s+(?:reseña|opinión"
                    r"|valoración)\b", "es"),
            Pattern(r"\b(?:5|cinco)\s+estrellas\b", "es"),
            Pattern(r"(?:高評価|好評価|良い(?:レビュー|評価)|星[5５](?:つ)?|[5５]つ星|★{5}|★[5５]"
                    r"|満点)", "ja"),
        ),
    ),
    Rule(
        "incentive", "Offering an incentive for a review",
        f"{_C}: you may not offer any compensation for a review, including money or gift "
        "cards, free or discounted products, refunds or reimbursements, or any other future "
        "benefits.",
        POLICY_URL,
        (
            Pattern(_EN_INCENTIVE, context="sentence"),
            Pattern(_EN_LINK, context="nearby", also=_EN_INCENTIVE),
            Pattern(_DE_INCENTIVE, "de", context="sentence"),
            Pattern(_DE_LINK, "de", context="nearby", also=_DE_INCENTIVE),
            Pattern(_FR_INCENTIVE, "fr", context="sentence"),
            Pattern(_FR_LINK, "fr", context="nearby", also=_FR_INCENTIVE),
            Pattern(_IT_INCENTIVE, "it", context="sentence"),
            Pattern(_IT_LINK, "it", context="nearby", also=_IT_INCENTIVE),
            Pattern(_ES_INCENTIVE, "es", context="sentence"),
            Pattern(_ES_LINK, "es", context="nearby", also=_ES_INCENTIVE),
            Pattern(_JA_INCENTIVE, "ja", context="sentence"),
            Pattern(_JA_LINK, "ja", context="nearby", also=_JA_INCENTIVE),
        ),
    ),
    Rule(
        "happy_only", "Asking only buyers with a good experience",
        f"{_C}: you may not ask for reviews only from buyers who had a positive experience.",
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
            Pattern(r"\bsi\s+(?:vous\s+)?(?:êtes|étiez|avez\s+été)\s+(?:satisfait|content|ravi)"
                    r"\w*|\bsi\s+vous\s+(?:avez\s+aimé|aimez)\b|\bsi\s+(?:le\s+produit|l'article"
                    r"|notre\s+produit|il|elle)\s+vous\s+(?:a\s+plu|plaît)\b|\bsi\s+tout\s+s'est"
                    r"\s+bien\s+passé\b", "fr", context="nearby"),
            Pattern(r"\bclients\s+(?:satisfaits|contents|ravis)\b|\bsinon\b[^.!?\n]{0,60}?"
                    + REVIEW_CONTEXT["fr"], "fr", context="sentence"),
            Pattern(r"\bse\s+(?:è|sei|siete|è\s+stat[oa])\s+(?:soddisfatt|content|felic)\w*"
                    r"|\bse\s+(?:ti|le|vi)\s+(?:è\s+)?piac\w+|\bse\s+tutto\s+(?:è\s+andato|va)"
                    r"\s+bene\b", "it", context="nearby"),
            Pattern(r"\bclienti\s+(?:soddisfatti|contenti|felici)\b|\baltrimenti\b[^.!?\n]{0,60}?"
                    + REVIEW_CONTEXT["it"], "it", context="sentence"),
            Pattern(r"\bsi\s+(?:está|estás|están|ha\s+quedado|has\s+quedado)\s+(?:satisfech|content"
                    r"|feliz)\w*|\bsi\s+(?:le|te|les)\s+(?:ha\s+)?(?:gustad\w+|gusta|gustó"
                    r"|encant\w+)|\bsi\s+todo\s+(?:ha\s+ido|fue|salió)\s+bien\b", "es",
                    context="nearby"),
            Pattern(r"\bclientes\s+(?:satisfechos|contentos|felices)\b|\bde\s+lo\s+contrario\b"
                    r"[^.!?\n]{0,60}?" + REVIEW_CONTEXT["es"], "es", context="sentence"),
            Pattern(r"(?:ご満足いただけ(?:ました|た)(?:ら|場合|方)|気に入っていただけ(?:ました|た)"
                    r"(?:ら|場合|方)|お気に召し(?:ましたら|た場合)|満足(?:された|いただけた)(?:方|場合)"
                    r"|問題がなければ)", "ja", context="nearby"),
        ),
    ),
    Rule(
        "steer_positive", "Steering toward a positive review",
        f"{_C}: you may not ask for a positive review or ask only buyers with a good "
        "experience; a question like \"Loved it?\" before a review request does both.",
        POLICY_URL,
        (
            Pattern(r"\b(?<!would\syou\s)(?<!you'd\s)(?<!how\sdo\syou\s)(?:lov(?:e|ed|ing)"
                    r"|enjoy(?:ed|ing)?|lik(?:ed|ing)|like\s+(?:it|them|your)|happy|satisfied"
                    r"|pleased|delighted|thrilled)\b[^.!?\n]{0,40}\?", context="nearby"),
            Pattern(r"\b(?<!wie\s)(?:gefällt|gefallen|zufrieden|begeistert|glücklich|freude)\b"
                    r"[^.!?\n]{0,40}\?", "de", context="nearby"),
            Pattern(r"\b(?:aimé|aimez|adoré|adorez|plu|(?<!il\svous\s)plaît|satisfaite?s?"
                    r"|contente?s?|ravie?s?)\b[^.!?\n]{0,40}\?", "fr", context="nearby"),
            Pattern(r"\b(?:piaciut\w|piace|amat\w|soddisfatt\w|content\w|entusiast\w|felic\w)\b"
                    r"[^.!?\n]{0,40}\?", "it", context="nearby"),
            Pattern(r"\b(?:gustad\w|gusta|gustó|encant\w+|satisfech\w|content\w|feliz)\b"
                    r"[^.!?\n]{0,40}\?", "es", context="nearby"),
            Pattern(r"(?:気に入|お気に召|ご満足|満足|喜んで)[^。！？?!\n]{0,20}[か]?[？?]", "ja",
                    context="nearby"),
        ),
    ),
    Rule(
        "divert_unhappy", "Diverting unhappy buyers away from reviews",
        f"{_C}: a seller only asks for reviews from buyers who had a positive experience and "
        "attempts to divert buyers who had a negative experience to a different feedback "
        "mechanism (Amazon's example of a prohibited activity).",
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
            Pattern(r"\b(?:avant|au\s+lieu|plutôt\s+que)\s+(?:de\s+)?(?:laisser|publier|écrire"
                    r"|donner|mettre)\s+(?:un\s+|une\s+|votre\s+)?(?:avis|évaluation|commentaire"
                    r"|note)\b", "fr"),
            Pattern(r"\b(?:ne\s+laissez\s+pas|pas\s+d')\s*(?:d'|un\s+)?avis\s+négatif\b"
                    r"|\bcontactez-nous\s+(?:d'abord|en\s+premier|avant)\b", "fr",
                    context="nearby"),
            Pattern(r"\b(?:prima\s+di|invece\s+di|anziché)\s+(?:lasciare|scrivere|pubblicare"
                    r"|dare)\s+(?:una\s+|la\s+)?(?:recensione|valutazione|feedback|opinione)\b",
                    "it"),
            Pattern(r"\b(?:contattaci|contattateci|ci\s+contatti|ci\s+scriva|scriveteci)\s+"
                    r"(?:prima|per\s+prima\s+cosa|invece)\b|\bnon\s+lasci\w*\s+(?:una\s+)?"
                    r"recensione\s+negativa\b", "it", context="nearby"),
            Pattern(r"\b(?:antes\s+de|en\s+lugar\s+de|en\s+vez\s+de)\s+(?:dejar|escribir|publicar"
                    r"|poner)\s+(?:una\s+|un\s+|su\s+)?(?:reseña|opinión|valoración|comentario)\b",
                    "es"),
            Pattern(r"\b(?:contáctenos|contáctanos|escríbanos|escríbenos)\s+(?:primero|antes"
                    r"|en\s+su\s+lugar)\b|\bno\s+(?:deje|dejes)\s+(?:una\s+)?(?:reseña|opinión)"
                    r"\s+negativa\b", "es", context="nearby"),
            Pattern(r"(?:(?:低評価|悪い評価|評価|レビュー)(?:を(?:つけ|付け|書|投稿|され))?[^。！？\n]{0,6}"
                    r"(?:前に|代わりに)|まず(?:は)?(?:弊社|当店|私ども)?(?:に|へ)?(?:ご連絡|お問い合わせ)"
                    r"|先に(?:ご連絡|お問い合わせ))", "ja", context="nearby"),
        ),
    ),
    Rule(
        "change_review", "Asking to change or remove a review",
        f"{_C}: you may not ask customers to change or remove their review, even after an "
        "issue is resolved.",
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
            Pattern(r"\b(?:modifier|changer|supprimer|retirer|mettre\s+à\s+jour|revoir|réviser"
                    r"|effacer)\s+(?:votre|ton|l'|cet|cette|le|la)\s*(?:\w+\s+)?(?:avis|évaluation"
                    r"|commentaire|note)\b", "fr"),
            Pattern(r"\b(?:modificare|cambiare|rimuovere|eliminare|aggiornare|rivedere|cancellare"
                    r"|ritirare)\s+(?:la\s+|sua\s+|tua\s+|la\s+sua\s+|la\s+tua\s+)?(?:\w+\s+)?"
                    r"(?:recensione|valutazione|feedback|opinione)\b", "it"),
            Pattern(r"\b(?:modificar|cambiar|eliminar|borrar|retirar|actualizar|revisar|quitar)\s+"
                    r"(?:su\s+|tu\s+|la\s+|el\s+)?(?:\w+\s+)?(?:reseña|opinión|valoración"
                    r"|comentario)\b", "es"),
            Pattern(r"(?:レビュー|評価)(?:の|を)?(?:変更|削除|修正|取り下げ|取り消し|書き直|見直)", "ja"),
        ),
    ),
    Rule(
        "external_link", "Link other than Amazon's",
        f"{_G}: permitted messages may not include links to external websites; only secure "
        "working links needed to complete the order (Amazon's own pages) are allowed.",
        COMMUNICATION_URL,
        (Pattern(_URL, "*", exclude=_AMAZON + "|" + _EMAIL),),
    ),
    Rule(
        "email_address", "E-mail address",
        f"{_G}: permitted messages may not include e-mail addresses; buyers are contacted only "
        "through Buyer-Seller Messaging.",
        COMMUNICATION_URL,
        (Pattern(_EMAIL, "*"),),
    ),
    Rule(
        "phone_number", "Telephone number",
        f"{_G}: permitted messages may not include telephone numbers.",
        COMMUNICATION_URL,
        (
            Pattern(r"\+\d{1,3}[\s.-]?\(?\d{1,5}\)?(?:[\s.-]?\d{2,5}){1,4}\b", "*"),
            Pattern(r"\(\d{3}\)\s?\d{3}[-.\s]\d{4}\b|\b\d{3}[-.]\d{3}[-.]\d{4}\b", "*"),
            Pattern(r"\b0\d{1,4}-\d{1,4}-\d{3,4}\b", "*", exclude=r"\d{2}-\d{2}-\d{4}"),
            Pattern(_PHONE_WORD + r"[^\d\n]{0,25}" + _DIGITS, "*"),
        ),
    ),
    Rule(
        "social_media", "Social-media handle or channel",
        f"{_G}: messages may not direct buyers off Amazon (links to external websites, "
        "marketing); social-media accounts and handles are both.",
        COMMUNICATION_URL,
        (
            Pattern(r"(?<![\w.@])@[A-Za-z0-9_][A-Za-z0-9_.]{2,29}\b", "*"),
            Pattern(r"\b(?:instagram|facebook|tiktok|twitter|youtube|pinterest|whatsapp|wechat"
                    r"|telegram|linkedin|snapchat)\b|(?:LINE公式|LINE@|ライン公式)", "*"),
            Pattern(r"\bfollow\s+us\b|\blike\s+(?:us|our\s+page)\b", "en"),
            Pattern(r"\bfolgen\s+sie\s+uns\b|\bfolge\s+uns\b", "de"),
            Pattern(r"\bsuivez-nous\b|\bsuivez\s+nous\b", "fr"),
            Pattern(r"\bseguic[ih]\b|\bseguiteci\b", "it"),
            Pattern(r"\bsíguenos\b|\bsíganos\b", "es"),
            Pattern(r"フォロー", "ja"),
        ),
    ),
    Rule(
        "marketing", "Marketing or promotional content",
        f"{_G}: you cannot contact buyers for marketing or promotional purposes; messages must "
        "be necessary to complete the order or answer a customer-service question.",
        COMMUNICATION_URL,
        (
            Pattern(r"\b(?:check\s+out|discover|browse|explore|visit)\s+(?:our|the)\s+(?:other\s+|"
                    r"new\s+|latest\s+|full\s+)?(?:products?|store|shop|range|collections?"
                    r"|catalog(?:ue)?|brand\s+store|website|line)\b"
                    r"|\bour\s+(?:other|new|latest)\s+(?:products?|items?|collections?|releases?)\b"
                    r"|\bnew\s+(?:arrivals|collection)\b|\b(?:shop|buy)\s+(?:now|again)\b"
                    r"|\bnewsletter\b|\bsubscribe\s+to\s+our\b|\b(?:discount|coupon|promo)\s+codes?"
                    r"\b|\bspecial\s+offers?\b|\blimited[- ]time\b|\b\d+\s?%\s*off\b|\bon\s+sale\b"
                    r"|\byou\s+(?:may|might)\s+also\s+(?:like|love|need)\b"
                    r"|\brecommended\s+for\s+you\b"),
            Pattern(r"\bunsere[nm]?\s+(?:anderen|weiteren|neuen|neuesten)\s+(?:produkte|artikel)\b"
                    r"|\bbesuchen\s+sie\s+(?:unseren|unsere)\s+(?:shop|store|markenshop|website)\b"
                    r"|\bnewsletter\b|\b(?:rabatt|gutschein)codes?\b|\bsonderangebot\w*\b"
                    r"|\bjetzt\s+(?:kaufen|bestellen|zugreifen)\b|\bneuheiten\b"
                    r"|\bdas\s+könnte\s+ihnen\s+auch\s+gefallen\b|\bim\s+angebot\b", "de"),
            Pattern(r"\bnos\s+autres\s+produits\b|\b(?:découvrez|visitez)\s+(?:notre|nos)\s+"
                    r"(?:boutique|collection|gamme|site|produits)\b|\bnewsletter\b|\bcodes?\s+promo"
                    r"\b|\boffres?\s+spéciales?\b|\bnouveautés\b|\bachetez\s+(?:maintenant|dès)\b"
                    r"|\bvous\s+aimerez\s+aussi\b|\ben\s+promotion\b|\bsoldes\b", "fr"),
            Pattern(r"\bi\s+nostri\s+altri\s+prodotti\b|\b(?:scopri|scoprite|visita|visitate)\s+"
                    r"(?:il\s+nostro|la\s+nostra|i\s+nostri)\s+(?:negozio|collezione|catalogo"
                    r"|sito|prodotti)\b|\bnewsletter\b|\bcodice\s+sconto\b|\boffert[ae]\s+"
                    r"speciali?\b|\bnovità\b|\bacquista\s+ora\b|\bpotrebbe\s+piacerti\s+anche\b"
                    r"|\bin\s+promozione\b|\bsaldi\b", "it"),
            Pattern(r"\bnuestros\s+otros\s+productos\b|\b(?:descubra|descubre|visite|visita)\s+"
                    r"(?:nuestra|nuestro|nuestros)\s+(?:tienda|colección|catálogo|web|productos)\b"
                    r"|\bnewsletter\b|\bboletín\b|\bcódigo\s+de\s+descuento\b|\bofertas?\s+"
                    r"especial(?:es)?\b|\bnovedades\b|\bcompr[ea]\s+ahora\b"
                    r"|\btambién\s+(?:le|te)\s+puede\s+gustar\b|\ben\s+oferta\b|\brebajas\b", "es"),
            Pattern(r"(?:他の商品|新商品|新製品|セール|キャンペーン|メルマガ|メールマガジン|ニュースレター"
                    r"|クーポンコード|割引コード|ストアページ|ショップページ|おすすめ商品|期間限定"
                    r"|ぜひご覧ください)", "ja"),
        ),
    ),
    Rule(
        "thanks_or_shipping_only", "Message that only thanks or confirms shipment",
        f"{_G}: messages that only thank the buyer or only confirm shipment or delivery are "
        "not permitted (Amazon sends the order and shipping confirmations itself).",
        COMMUNICATION_URL,
        (),
    ),
)

#: rules that judge the message as a whole (handled in :func:`check_text`, no patterns)
MESSAGE_RULES = ("thanks_or_shipping_only",)


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


# sentence ends: . ! ? (also full-width and the Japanese full stop) before a space or the end,
# 。！？ anywhere, and line breaks
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|[。！？]+|\n+")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of ``text`` (split at . ! ? before a space, at
    。！？ and at line breaks; "$5.00" and "e.g.x" are not split)."""
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
                        re.compile(p.also, _FLAGS) if p.also else None,
                        re.compile(p.exclude, _FLAGS) if p.exclude else None))
    return out


_COMPILED = {}
_CONTEXT = {k: re.compile(v, _FLAGS) for k, v in REVIEW_CONTEXT.items()}
_THANKS = {k: re.compile(v, _FLAGS) for k, v in THANKS.items()}
_SHIPPED = {k: re.compile(v, _FLAGS) for k, v in SHIPPED.items()}
_BOILER = {k: re.compile(v, _FLAGS) for k, v in BOILERPLATE.items()}
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|\[\[[^\[\]]*\]\]|<[^<>]*>")


def _search(rx, exclude, s: str):
    """First match of ``rx`` in ``s`` that ``exclude`` does not match in full."""
    for m in rx.finditer(s):
        if exclude is None or not exclude.fullmatch(m.group(0)):
            return m
    return None


def _message_only_thanks(sents: list[str], languages: Sequence[str]) -> int | None:
    """Index of the first thank-you / shipping sentence when the message is nothing but
    thanks, shipping notices, greetings, sign-offs and offers of help; else None."""
    first = None
    for i, raw in enumerate(sents):
        s = _PLACEHOLDER.sub(" ", raw).strip()
        if not s or not re.search(r"\w", s):
            continue
        if any(_CONTEXT[lang].search(s) for lang in languages):
            return None  # a review request is a permitted purpose
        kind = None
        for lang in languages:
            if _THANKS[lang].search(s) or _SHIPPED[lang].search(s):
                kind = "thanks"
                break
            if _BOILER[lang].match(s):
                kind = "boiler"
        if kind is None:
            return None
        if kind == "thanks" and first is None:
            first = i
    return first


def check_text(text: str, *, name: str = "template", languages: Sequence[str] = LANGUAGES,
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
        for rule, p, rx, also, excl in compiled:
            if (p.lang != "*" and p.lang not in languages) or (rule.id, i) in found:
                continue
            m = _search(rx, excl, s)
            if m is None or (also is not None and also.search(s) is None):
                continue
            if p.context:
                ctx = _CONTEXT[p.lang]
                window = [s] if p.context == "sentence" else sents[max(0, i - 1):i + 2]
                if not any(ctx.search(w) for w in window):
                    continue
            found[(rule.id, i)] = Finding(
                template=name, rule_id=rule.id, rule=rule.title,
                language="any" if p.lang == "*" else p.lang,
                start=a + m.start(), end=a + m.end(), matched_text=m.group(0),
                sentence=s.strip(), policy=rule.policy, source=rule.source)
    for rule in rules:
        if rule.id != "thanks_or_shipping_only":
            continue
        i = _message_only_thanks(sents, [x for x in languages if x in _THANKS])
        if i is not None:
            a, b = spans[i]
            lead = len(sents[i]) - len(sents[i].lstrip())
            found[(rule.id, i)] = Finding(
                template=name, rule_id=rule.id, rule=rule.title, language="any",
                start=a + lead, end=a + len(sents[i].rstrip()),
                matched_text=sents[i].strip(), sentence=sents[i].strip(),
                policy=rule.policy, source=rule.source)
    return sorted(found.values(), key=lambda f: (f.start, f.rule_id))


FINDING_COLUMNS = ["template", "rule_id", "rule", "language", "start", "end", "matched_text",
                   "sentence", "policy", "source"]


def check_templates(templates, *, languages: Sequence[str] = LANGUAGES,
                    rules: Sequence[Rule] = RULES) -> pd.DataFrame:
    """Check a seller's message templates against Amazon's review-solicitation and
    communication rules.

    ``templates``: a list of strings, a {name: text} dict, or a folder of ``.txt`` files.
    ``languages``: pattern languages to apply (default all of :data:`LANGUAGES`, so a German,
    French, Italian, Spanish or Japanese template is checked too; language-independent
    patterns -- links, e-mail addresses, phone numbers -- always apply).

    Returns one row per finding (columns :data:`FINDING_COLUMNS`): the template name, the rule
    broken (id and title), the language of the pattern (``any`` for language-independent
    ones), the character span and text matched, the whole sentence, the policy line and its
    source URL. No rows = nothing flagged (which is not a guarantee of compliance; a person
    should still read the templates).

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


__all__ = ["Rule", "Pattern", "Finding", "RULES", "MESSAGE_RULES", "LANGUAGES",
           "REVIEW_CONTEXT", "ALLOWED_LINK_DOMAINS", "POLICY_URL", "EXAMPLES_URL",
           "COMMUNICATION_URL", "FINDING_COLUMNS", "check_text", "check_templates",
           "load_templates", "template_summary", "sentences"]
