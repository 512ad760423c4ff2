"""Sentiment rules: negation, contrast, intensifiers, emoji, Polish inflection, in pl and en."""

from __future__ import annotations

import pytest

from cxm.text.sentiment import analyse_sentiment


def score(text: str, language: str) -> float:
    return analyse_sentiment(text, language).score


@pytest.mark.parametrize(
    ("positive", "negated", "language"),
    [
        ("Polecam tego sprzedawcę", "Nie polecam tego sprzedawcy", "pl"),
        ("Obsługa była miła", "Obsługa nie była miła", "pl"),
        ("The agent was helpful", "The agent was not helpful", "en"),
        ("The staff were friendly", "The staff weren't friendly", "en"),
    ],
)
def test_negation_turns_positive_to_negative(positive: str, negated: str, language: str) -> None:
    assert analyse_sentiment(positive, language).label == "positive"
    assert analyse_sentiment(negated, language).label == "negative"


def test_negated_negative_is_mildly_positive() -> None:
    assert 0 < score("not bad", "en") < score("good", "en")
    assert score("bez problemu", "pl") > 0


@pytest.mark.parametrize(
    ("text", "language", "label"),
    [
        ("Towar dobry, ale dostawa tragiczna", "pl", "negative"),
        ("Dostawa tragiczna, ale towar świetny", "pl", "positive"),
        ("Great crew but my bag is lost and nobody helps", "en", "negative"),
        ("The flight was delayed, however the crew was amazing", "en", "positive"),
    ],
)
def test_contrast_weights_the_clause_after(text: str, language: str, label: str) -> None:
    assert analyse_sentiment(text, language).label == label


def test_intensifiers_and_diminishers_scale_the_score() -> None:
    assert score("bardzo dobry", "pl") > score("dobry", "pl") > score("trochę dobry", "pl")
    assert score("very good", "en") > score("good", "en") > score("slightly good", "en")
    assert score("extremely rude", "en") < score("rude", "en")


def test_emoji_and_emoticons_carry_sentiment() -> None:
    assert analyse_sentiment("😍", "und").label == "positive"
    assert analyse_sentiment("Paczka dotarła :(", "pl").label == "negative"
    assert analyse_sentiment("arrived :)", "en").label == "positive"
    assert analyse_sentiment("no comment 😡", "en").label == "negative"


def test_polish_inflected_and_diminutive_forms_are_recognised() -> None:
    assert analyse_sentiment("Niemiłej obsłudze mówię nie", "pl").label == "negative"
    assert analyse_sentiment("Paczuszka dotarła szybciutko", "pl").label == "positive"
    assert analyse_sentiment("Najgorszemu sprzedawcy", "pl").label == "negative"


def test_polish_without_diacritics_is_recognised() -> None:
    assert analyse_sentiment("Swietny kontakt, szybka wysylka", "pl").label == "positive"


def test_exclamation_and_capitals_strengthen() -> None:
    assert score("great!!!", "en") > score("great", "en")
    assert score("this is TERRIBLE", "en") < score("this is terrible", "en")


def test_text_without_opinion_is_neutral() -> None:
    assert analyse_sentiment("Zamówienie złożone we wtorek", "pl").label == "neutral"
    assert analyse_sentiment("@united what time does the gate open", "en").label == "neutral"
    assert analyse_sentiment("", "und").score == 0.0


def test_score_stays_within_bounds() -> None:
    text = "najgorszy fatalny skandal oszustwo tragedia " * 20
    assert -1.0 <= score(text, "pl") < -0.99


def test_concessive_and_conditional_clauses_weigh_less() -> None:
    assert score("Choć obsługa miła, towar zły", "pl") < 0
    assert score("Although the staff were nice, the room was dirty", "en") < 0
    assert score("If the staff were friendly, it would be great", "en") < score(
        "The staff were friendly, it was great", "en"
    )


def test_not_only_but_also_is_no_contrast() -> None:
    assert score("Rozczaruje nie tylko fanów, ale również widzów", "pl") < 0


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ładne zdjęcia, nudny scenariusz", "pl"),
        ("Miła obsługa, fatalny towar", "pl"),
        ("Friendly staff, terrible food", "en"),
    ],
)
def test_balanced_praise_and_complaint_without_contrast_is_neutral(
    text: str, language: str
) -> None:
    assert analyse_sentiment(text, language).label == "neutral"


def test_mixed_evidence_is_weaker_than_one_sided() -> None:
    assert 0 < score("Świetna obsługa, trochę drogo", "pl") < score("Świetna obsługa", "pl")
    assert score("Awful delay, nice crew", "en") > score("Awful delay", "en")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Film taki sobie", "pl"),
        ("Nic specjalnego", "pl"),
        ("Bez rewelacji", "pl"),
        ("Obsługa jako taka", "pl"),
        ("It was so-so", "en"),
        ("Nothing special", "en"),
    ],
)
def test_lukewarm_judgement_alone_is_neutral(text: str, language: str) -> None:
    assert analyse_sentiment(text, language).label == "neutral"


def test_hedged_not_too_good_is_negative_and_litotes_is_mild() -> None:
    assert analyse_sentiment("Niezbyt dobra obsługa", "pl").label == "negative"
    assert 0 < score("Niezły", "pl") < score("Dobry", "pl")
    assert score("nawet dobry", "pl") < score("dobry", "pl")
