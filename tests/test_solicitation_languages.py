"""Solicitation checker in every language of the supported marketplaces (EN, DE, FR, IT, ES,
JA): each rule flags a phrase that breaks it in each language, and a compliant template in
each language passes every rule.

Rules and their sources: Customer Product Reviews policy (help G201972160 and its examples
page E8SYAZUBGVFBHCH) -- positive review, incentive, only happy buyers, steering toward a
positive review ("Loved it? ..."), diverting unhappy buyers, asking to change a review; the
Communication Guidelines (help G1801) -- links other than Amazon's, e-mail addresses, phone
numbers, social-media handles, marketing, messages that only thank or confirm shipment.
"""

from __future__ import annotations

import pytest

from postship_analysis import solicitation as s

# rule -> language -> a template that breaks the rule (and why, where not obvious)
CASES: dict[str, dict[str, str]] = {
    "positive_review": {
        "en": "Please leave us a positive review on Amazon.",
        "de": "Wir freuen uns über eine positive Bewertung.",
        "fr": "Merci de nous laisser un avis positif sur Amazon.",
        "it": "Ci lasci una recensione positiva su Amazon.",
        "es": "Déjenos una reseña positiva en Amazon.",
        "ja": "ぜひ星5のレビューをお願いいたします。",
    },
    "incentive": {
        "en": "Leave a review and get a $10 gift card.",
        "de": "Für Ihre Bewertung erhalten Sie einen Gutschein.",
        "fr": "Laissez un avis et recevez une carte cadeau de 10 €.",
        "it": "Lasci una recensione e riceverà un buono sconto del 10%.",
        "es": "Deje una reseña y reciba una tarjeta regalo.",
        "ja": "レビューを投稿いただいた方にAmazonギフト券をプレゼントします。",
    },
    "happy_only": {
        "en": "If you are happy with your purchase, please leave a review.",
        "de": "Wenn Sie zufrieden sind, hinterlassen Sie bitte eine Bewertung.",
        "fr": "Si vous êtes satisfait, laissez-nous un avis.",
        "it": "Se è soddisfatto, ci lasci una recensione.",
        "es": "Si está satisfecho, déjenos una opinión.",
        "ja": "ご満足いただけましたら、レビューをお願いします。",
    },
    "steer_positive": {
        "en": "Loved it? Tell other customers in a review!",
        "de": "Begeistert? Teilen Sie es in einer Bewertung!",
        "fr": "Vous avez adoré ? Dites-le dans un avis !",
        "it": "Ti è piaciuto? Scrivi una recensione!",
        "es": "¿Le ha encantado? ¡Cuéntelo en una reseña!",
        "ja": "商品は気に入っていただけましたか？ぜひレビューをお願いします。",
    },
    "divert_unhappy": {
        "en": "Please contact us before leaving a review so we can make it right.",
        "de": "Bitte kontaktieren Sie uns, bevor Sie eine negative Bewertung abgeben.",
        "fr": "Contactez-nous avant de laisser un avis.",
        "it": "La preghiamo di contattarci prima di lasciare una recensione.",
        "es": "Contáctenos antes de dejar una reseña.",
        "ja": "低評価をつける前に、まずはご連絡ください。",
    },
    "change_review": {
        "en": "We have refunded your order. Could you please update your review?",
        "de": "Könnten Sie Ihre Bewertung bitte ändern?",
        "fr": "Pourriez-vous modifier votre avis ?",
        "it": "Potrebbe modificare la sua recensione?",
        "es": "¿Podría modificar su reseña?",
        "ja": "お手数ですがレビューの削除をお願いできますでしょうか。",
    },
    "external_link": {
        "en": "See the setup video at https://example-brand.com/setup before first use.",
        "de": "Die Anleitung finden Sie unter www.beispiel-marke.de/anleitung.",
        "fr": "Le mode d'emploi est sur notre site marque-exemple.fr.",
        "it": "Il manuale è disponibile su https://esempio.it/manuale.",
        "es": "Consulte el manual en www.ejemplo.es/manual.",
        "ja": "取扱説明書は https://example.jp/manual をご覧ください。",
    },
    "email_address": {
        "en": "For help write to support@example-brand.com.",
        "de": "Schreiben Sie uns an service@beispiel.de.",
        "fr": "Écrivez-nous à contact@exemple.fr.",
        "it": "Ci scriva a assistenza@esempio.it.",
        "es": "Escríbanos a soporte@ejemplo.es.",
        "ja": "お問い合わせは support@example.jp までお願いします。",
    },
    "phone_number": {
        "en": "Call us at (555) 123-4567 for help with the setup.",
        "de": "Rufen Sie uns an: +49 30 1234567.",
        "fr": "Appelez-nous au +33 1 23 45 67 89.",
        "it": "Ci chiami al numero +39 02 1234 5678.",
        "es": "Llámenos al teléfono 912 345 678.",
        "ja": "お電話でのお問い合わせは 03-1234-5678 までどうぞ。",
    },
    "social_media": {
        "en": "Follow us on Instagram for setup tips.",
        "de": "Folgen Sie uns für Tipps zur Einrichtung.",
        "fr": "Suivez-nous pour des astuces d'utilisation.",
        "it": "Seguici per consigli sull'uso del prodotto.",
        "es": "Síguenos en @marcaejemplo para ver consejos.",
        "ja": "公式アカウントをフォローしてください。",
    },
    "marketing": {
        "en": "Check out our other products in our brand store.",
        "de": "Entdecken Sie auch unsere anderen Produkte: besuchen Sie unseren Shop.",
        "fr": "Découvrez notre boutique et nos nouveautés.",
        "it": "Scopri il nostro negozio e le novità della stagione.",
        "es": "Descubra nuestra tienda y nuestras novedades.",
        "ja": "新商品のご案内です。ぜひご覧ください。",
    },
    "thanks_or_shipping_only": {
        "en": "Hi, thank you for your order! Let us know if you have any questions. Best "
              "regards, The Team",
        "de": "Hallo, Ihre Bestellung wurde heute versandt. Bei Fragen stehen wir Ihnen gerne "
              "zur Verfügung.",
        "fr": "Bonjour, votre commande a été expédiée aujourd'hui. Merci pour votre achat !",
        "it": "Gentile cliente, grazie per il suo ordine! Il pacco è stato spedito oggi.",
        "es": "Hola, gracias por su pedido. Su paquete ha sido enviado hoy.",
        "ja": "この度はご注文いただきありがとうございます。本日商品を発送いたしました。",
    },
}

CASE_LIST = [(rule, lang, text) for rule, by in CASES.items() for lang, text in by.items()]

# one compliant template per language: a neutral review request with an order note
COMPLIANT = {
    "en": "Hello, thank you for your order {order_id}. We would be grateful if you shared your "
          "experience with the product in a review on Amazon; it helps other customers. Best "
          "regards, The Team",
    "de": "Guten Tag, vielen Dank für Ihre Bestellung. Wir würden uns freuen, wenn Sie Ihre "
          "Erfahrungen mit dem Produkt in einer Rezension auf Amazon teilen. Mit freundlichen "
          "Grüßen",
    "fr": "Bonjour, merci pour votre commande. Nous vous serions reconnaissants de partager "
          "votre expérience avec ce produit en laissant un avis sur Amazon. Cordialement",
    "it": "Gentile cliente, grazie per il suo ordine. Le saremmo grati se volesse condividere "
          "la sua esperienza con il prodotto lasciando una recensione su Amazon. Cordiali saluti",
    "es": "Hola, gracias por su pedido. Le agradeceríamos que compartiera su experiencia con el "
          "producto dejando una opinión en Amazon. Saludos cordiales",
    "ja": "この度はご注文いただきありがとうございます。商品のご感想をAmazonのレビューでお聞かせ"
          "いただければ幸いです。今後ともよろしくお願いいたします。",
}


def test_every_rule_has_a_case_in_every_language():
    assert set(CASES) == {r.id for r in s.RULES}
    for rule, by in CASES.items():
        assert set(by) == set(s.LANGUAGES), rule


@pytest.mark.parametrize(("rule", "lang", "text"), CASE_LIST,
                         ids=[f"{r}-{lang}" for r, lang, _ in CASE_LIST])
def test_rule_flags_its_pattern_in_each_language(rule, lang, text):
    found = s.check_text(text)
    hit = [f for f in found if f.rule_id == rule]
    assert hit, (rule, lang, [(f.rule_id, f.matched_text) for f in found])
    f = hit[0]
    assert text[f.start:f.end] == f.matched_text
    assert f.language in (lang, "any")
    r = next(x for x in s.RULES if x.id == rule)
    assert f.policy == r.policy and f.source == r.source


@pytest.mark.parametrize("lang", list(COMPLIANT))
def test_compliant_template_passes_in_each_language(lang):
    assert s.check_text(COMPLIANT[lang]) == []


def test_every_rule_has_a_source_line():
    for r in s.RULES:
        assert r.source.startswith("https://sellercentral.amazon.com/"), r.id
        assert len(r.policy) > 40, r.id
    review = {"positive_review", "incentive", "happy_only", "steer_positive",
              "change_review"}
    assert {r.id for r in s.RULES if r.source == s.POLICY_URL} == review
    comm = {r.id for r in s.RULES if r.source == s.COMMUNICATION_URL}
    assert comm == {"external_link", "email_address", "phone_number", "social_media",
                    "marketing", "thanks_or_shipping_only"}
    langs = {p.lang for r in s.RULES for p in r.patterns}
    assert langs == set(s.LANGUAGES) | {"*"}


def test_amazon_links_are_allowed_and_others_flagged():
    ok = "You can leave a review here: https://www.amazon.de/review/create-review?asin=B0TEST"
    assert [f.rule_id for f in s.check_text(ok)] == []
    bad = s.check_text("Leave a review: https://amzn-reviews.example.com/r?asin=B0TEST")
    assert [f.rule_id for f in bad] == ["external_link"]
    # a shortener hides where it goes: flagged
    assert [f.rule_id for f in s.check_text("Manual: bit.ly/3abcd")] == ["external_link"]


def test_order_ids_prices_dates_are_not_phone_numbers():
    for text in ("Your order 113-1234567-1234567 was refunded: $24.99.",
                 "The replacement leaves our warehouse on 01-12-2026.",
                 "Please use the Returns Center for order 028-1234567-7654321.",
                 "Tracking: 1Z5R89390357567127."):
        assert "phone_number" not in {f.rule_id for f in s.check_text(text)}, text


def test_email_is_not_also_a_link_or_handle():
    assert [f.rule_id for f in s.check_text("Write to info@shop-example.de.")] == \
        ["email_address"]


def test_thanks_only_is_judged_on_the_whole_message():
    # a thank-you next to a neutral review request is a permitted message
    assert s.check_text("Thank you for your order. Please consider leaving a review.") == []
    # a thank-you next to a real customer-service message (refund) is permitted
    assert s.check_text("Thanks for your patience. Your refund of $12.00 has been "
                        "processed.") == []
    f = s.check_text("Dear {name},\nYour order has shipped!\nKind regards,\nThe Team")
    assert [x.rule_id for x in f] == ["thanks_or_shipping_only"]
    assert f[0].matched_text == "Your order has shipped!"
