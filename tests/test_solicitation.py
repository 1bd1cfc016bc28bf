"""Message-template compliance checker: violating templates are flagged with the right rule,
ordinary service messages and neutral review requests are not."""

from __future__ import annotations

import pytest

from postship_analysis import solicitation as s
from postship_analysis.errors import InputFileError, ParameterError

# (template, the rule it breaks, why) — each phrase is one Amazon's policy names
# (G201972160: positive review, compensation of any kind, only happy buyers, change/remove;
# E8SYAZUBGVFBHCH: diverting buyers with a negative experience).
VIOLATING = [
    ("Thanks for your order! Please leave us a positive review on Amazon.",
     "positive_review", "asks for a positive review"),
    ("We would be grateful if you could rate us 5 stars.",
     "positive_review", "asks for five stars"),
    ("A 5-star review would make our day!", "positive_review", "asks for a 5-star review"),
    ("Leave an honest review and we will send you a $10 Amazon gift card.",
     "incentive", "money / gift card for a review"),
    ("Write a review and get 20% off your next order.", "incentive", "discount for a review"),
    ("Please leave a review. As a thank you, we'll send you a free sample of our new serum.",
     "incentive", "free product, the reward is in the next sentence"),
    ("Once you have posted your review, send us a screenshot and we will refund your purchase.",
     "incentive", "refund after a review"),
    ("Leave a review to be entered into our monthly giveaway!", "incentive", "future benefit"),
    ("Reviewers get early access to our new products.", "incentive", "future benefit"),
    ("If you are happy with your purchase, please leave us a review.",
     "happy_only", "asks only satisfied buyers"),
    ("If you love the product, we'd appreciate your feedback on Amazon.",
     "happy_only", "asks only buyers who love it"),
    ("Had a great experience? If you had a great experience, please rate us.",
     "happy_only", "asks only buyers with a good experience"),
    ("If there's a problem, message us. Otherwise, please leave a review!",
     "happy_only", "'otherwise' = only the buyers without a problem are asked"),
    ("Please contact us before leaving a review so we can make it right.",
     "divert_unhappy", "diverts buyers to the seller before reviewing"),
    ("If you are unhappy, please don't leave negative feedback - contact us instead.",
     "divert_unhappy", "asks not to leave negative feedback"),
    ("Not satisfied? Contact us first. We read every review.",
     "divert_unhappy", "contact us first, review in the next sentence"),
    ("We have refunded your order. Could you please update your review?",
     "change_review", "asks to update a review"),
    ("We resolved the issue; would you consider removing your negative feedback?",
     "change_review", "asks to remove feedback"),
    ("Would you be willing to have the review removed now that the item was replaced?",
     "change_review", "asks to have a review removed"),
    # German (Amazon.de)
    ("Wir würden uns sehr über eine positive Bewertung freuen!",
     "positive_review", "DE: positive Bewertung"),
    ("Bitte bewerten Sie uns mit 5 Sternen.", "positive_review", "DE: 5 Sterne"),
    ("Für Ihre Bewertung erhalten Sie einen Gutschein über 10 €.",
     "incentive", "DE: Gutschein für eine Bewertung"),
    ("Hinterlassen Sie eine Rezension. Als Dankeschön erhalten Sie ein kostenloses Geschenk.",
     "incentive", "DE: Geschenk als Dank im nächsten Satz"),
    ("Wenn Sie zufrieden sind, hinterlassen Sie bitte eine Bewertung.",
     "happy_only", "DE: nur zufriedene Käufer"),
    ("Falls Ihnen der Artikel gefällt, freuen wir uns über Ihre Rezension.",
     "happy_only", "DE: nur wem es gefällt"),
    ("Bitte kontaktieren Sie uns, bevor Sie eine negative Bewertung abgeben.",
     "divert_unhappy", "DE: vor einer negativen Bewertung zuerst uns"),
    ("Bitte geben Sie keine schlechte Bewertung ab, sondern schreiben Sie uns.",
     "divert_unhappy", "DE: keine schlechte Bewertung"),
    ("Das Problem ist gelöst. Könnten Sie Ihre Bewertung bitte ändern?",
     "change_review", "DE: Bewertung ändern"),
    ("Wir bitten Sie, die Rezension zu löschen.", "change_review", "DE: Rezension löschen"),
]

# Communication Guidelines (G1801): a message that only confirms shipment or only thanks (with
# an offer of help) has no permitted purpose; Amazon sends shipment confirmations itself.
VIOLATING += [
    ("Your order has shipped. Your tracking number is 1Z5R89390357567127.",
     "thanks_or_shipping_only", "shipping notice only"),
    ("Thank you for your order! Let us know if you have any problem with your order.",
     "thanks_or_shipping_only", "thanks and an offer of help only"),
    ("Ihre Bestellung wurde versandt. Bei Fragen stehen wir Ihnen gerne zur Verfügung.",
     "thanks_or_shipping_only", "DE shipping notice only"),
]

# (template, why it is compliant) — ordinary service messages and neutral review requests.
COMPLIANT = [
    ("Please consider leaving a review to help other customers.",
     "neutral review request"),
    ("We'd love to hear your feedback, good or bad. Please consider leaving a review.",
     "neutral request, explicitly both ways"),
    ("If you have any questions about your order, please contact us. We hope you enjoy it!",
     "service message with a wish, no review"),
    ("Your refund of $24.99 has been processed and should appear within 3-5 business days.",
     "refund notice: money words but nothing about reviews"),
    ("We are sorry the item arrived damaged. We have sent a free replacement today.",
     "replacement: 'free' but no review"),
    ("Please consider leaving a review. If you have any problem with your order, contact us "
     "and we'll arrange a refund or replacement.",
     "neutral request next to a service promise; the refund is not tied to the review"),
    ("Your opinion matters. Feel free to share an honest review of the product.",
     "honest review request; 'feel free' is not a free product"),
    ("We hope you are happy with your purchase. Reviews, positive or negative, help other "
     "buyers.", "hope is not a condition; both kinds of reviews welcome"),
    ("How to use: charge the device for 2 hours before first use.",
     "instructions; 'before first use' is not about reviews"),
    ("If anything is missing from the package, please contact us and we will send it.",
     "missing-part service message"),
    ("If you would like to return the item, use the Returns Center. We appreciate your review.",
     "'if you would like to return' is not 'if you like it'"),
    ("Wir haben Ihnen den Betrag erstattet. Über eine Bewertung würden wir uns freuen.",
     "DE refund done in one sentence, neutral review request in the next: not tied"),
    ("Wir würden uns über eine ehrliche Bewertung freuen.", "DE neutral review request"),
    ("Ihre Rückerstattung wurde veranlasst.", "DE refund notice without review"),
    ("Falls Sie mit dem Produkt nicht zufrieden sind, kontaktieren Sie uns bitte.",
     "DE offer of help to unhappy buyers, no review mentioned"),
]


@pytest.mark.parametrize(("text", "rule", "why"), VIOLATING,
                         ids=[f"{r}:{w}" for _, r, w in VIOLATING])
def test_violating_template_is_flagged_with_its_rule(text, rule, why):
    found = s.check_text(text)
    assert rule in {f.rule_id for f in found}, why
    f = next(f for f in found if f.rule_id == rule)
    # the span points at the matched text inside the template
    assert text[f.start:f.end] == f.matched_text
    assert f.source.startswith("https://sellercentral.amazon.com/")
    assert f.policy


@pytest.mark.parametrize(("text", "why"), COMPLIANT, ids=[w for _, w in COMPLIANT])
def test_compliant_template_is_not_flagged(text, why):
    assert s.check_text(text) == [], why


def test_rules_are_data_with_sources():
    ids = [r.id for r in s.RULES]
    assert ids == ["positive_review", "incentive", "happy_only", "steer_positive",
                   "divert_unhappy", "change_review", "external_link", "email_address",
                   "phone_number", "social_media", "marketing", "thanks_or_shipping_only"]
    for r in s.RULES:
        assert r.policy and r.source.startswith("https://")
        langs = {p.lang for p in r.patterns}
        # every review rule and the marketing / social rules have patterns in every language;
        # links, e-mail addresses and phone numbers are language-independent ("*");
        # thanks_or_shipping_only judges the whole message (THANKS / SHIPPED per language)
        if r.id in s.MESSAGE_RULES:
            assert not r.patterns and set(s.THANKS) == set(s.LANGUAGES)
        elif r.id in ("external_link", "email_address", "phone_number"):
            assert langs == {"*"}
        else:
            assert langs - {"*"} == set(s.LANGUAGES), r.id


def test_check_templates_from_list_and_dict():
    df = s.check_templates(["Please consider leaving a review.",
                            "If you are happy, please leave a 5-star review."])
    assert df.columns.tolist() == s.FINDING_COLUMNS
    assert set(df["template"]) == {"template_2"}
    assert set(df["rule_id"]) == {"happy_only", "positive_review"}
    df2 = s.check_templates({"neutral": "Please consider leaving a review.",
                             "fix": "Please remove your review."})
    assert df2["template"].tolist() == ["fix"] and df2["rule_id"].tolist() == ["change_review"]


def test_check_templates_from_folder(tmp_path):
    (tmp_path / "a_neutral.txt").write_text("Your opinion helps other buyers: please "
                                            "consider a review.", encoding="utf-8")
    (tmp_path / "b_review.txt").write_text(
        "Hinterlassen Sie eine Bewertung und erhalten Sie 10 % Rabatt.", encoding="utf-8")
    (tmp_path / "c_cp1252.txt").write_bytes(
        "Für eine 5-Sterne-Bewertung danken wir Ihnen.".encode("cp1252"))
    (tmp_path / "notes.md").write_text("Leave a positive review", encoding="utf-8")  # ignored
    df = s.check_templates(tmp_path)
    assert sorted(set(df["template"])) == ["b_review.txt", "c_cp1252.txt"]
    assert df.loc[df["template"] == "b_review.txt", "rule_id"].tolist() == ["incentive"]
    assert "positive_review" in set(df.loc[df["template"] == "c_cp1252.txt", "rule_id"])
    summary = s.template_summary(df, tmp_path)
    assert summary["template"].tolist() == ["a_neutral.txt", "b_review.txt", "c_cp1252.txt"]
    assert summary["findings"].tolist()[0] == 0


def test_language_choice():
    text = "Bitte bewerten Sie uns mit 5 Sternen."
    assert s.check_templates([text], languages=("en",)).empty
    assert not s.check_templates([text], languages=("de",)).empty
    assert not s.check_templates([text], languages=("fr", "de")).empty
    with pytest.raises(ParameterError):
        s.check_templates([text], languages=("xx",))


def test_bad_inputs(tmp_path):
    with pytest.raises(ParameterError):
        s.check_templates("Please leave a positive review")   # a text, not a path
    with pytest.raises(InputFileError):
        s.check_templates(tmp_path)                           # empty folder


def test_sentences_do_not_split_amounts():
    text = "Get $5.00 back. Thanks!"
    assert [text[a:b].strip() for a, b in s.sentences(text)] == ["Get $5.00 back.", "Thanks!"]
