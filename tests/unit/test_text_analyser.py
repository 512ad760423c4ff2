"""The whole analysis of a comment and its emotions and CX readings."""

from __future__ import annotations

import dataclasses

import pytest

from cxm.text.analyser import analyse, analyse_batch, analyser_version


def test_analysis_of_a_polish_complaint() -> None:
    result = analyse(
        "Kurier spóźnił się trzy dni, a Pani Anna z infolinii (tel. 600 123 456) była "
        "opryskliwa!! Nie polecam."
    )
    assert result.language == "pl"
    assert result.sentiment == "negative" and result.sentiment_score < -0.5
    assert result.emotions.anger > 0.5
    assert result.cx.frustration > 0.3 and result.cx.delight == 0.0
    assert {"delivery", "staff_attitude"} <= set(result.themes)
    assert "600 123 456" not in result.redacted and "[NAME]" in result.redacted
    assert result.analyser_version == analyser_version()


def test_analysis_of_an_english_delight() -> None:
    result = analyse("Wow, the crew was amazing and the upgrade was a wonderful surprise! 😍")
    assert result.language == "en"
    assert result.sentiment == "positive"
    assert result.emotions.joy > 0.5 and result.emotions.surprise > 0
    assert result.cx.delight > result.cx.frustration


def test_disappointment_reads_sadness_and_surprise() -> None:
    result = analyse("Jestem bardzo rozczarowany, niestety produkt mnie zawiódł", ("pl", "en"))
    assert result.cx.disappointment > 0.3
    assert result.emotions.sadness > result.emotions.joy


def test_analysis_is_frozen_and_serialisable() -> None:
    result = analyse(":)")
    assert result.language == "und" and result.sentiment == "positive"
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.sentiment = "negative"  # type: ignore[misc]
    data = result.as_dict()
    assert set(data["emotions"]) == {
        "joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation"
    }  # fmt: skip
    assert set(data["cx"]) == {"frustration", "disappointment", "delight"}


def test_batch_gives_one_analysis_per_text_in_order() -> None:
    results = analyse_batch(["Świetnie!", "terrible service", ""])
    assert [r.sentiment for r in results] == ["positive", "negative", "neutral"]
    assert results[2].language == "und"


def test_version_names_the_builtin_analyser() -> None:
    assert analyser_version().startswith("builtin-1+")
