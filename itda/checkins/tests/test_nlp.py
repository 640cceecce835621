"""Risk signals in Korean answers, measured on the labelled sentences in labelled_sentences.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itda.checkins import nlp

LABELLED = json.loads((Path(__file__).parent / "labelled_sentences.json").read_text(encoding="utf-8"))["sentences"]
HELD_OUT = json.loads((Path(__file__).parent / "held_out_sentences.json").read_text(encoding="utf-8"))["sentences"]


def _scores(sentences) -> dict[str, tuple[float, float, int, int, int]]:
    """Per signal: (precision, recall, true positives, false positives, false negatives)."""
    counts = {signal: [0, 0, 0] for signal in nlp.SIGNALS}
    for sentence, expected in sentences:
        found = nlp.analyse(sentence).signals
        for signal in nlp.SIGNALS:
            if signal in found and signal in expected:
                counts[signal][0] += 1
            elif signal in found:
                counts[signal][1] += 1
            elif signal in expected:
                counts[signal][2] += 1
    scores = {}
    for signal, (true, false, missed) in counts.items():
        precision = true / (true + false) if true + false else 1.0
        recall = true / (true + missed) if true + missed else 1.0
        scores[signal] = (precision, recall, true, false, missed)
    return scores


def test_the_labelled_set_has_at_least_sixty_sentences_with_every_signal_and_plain_ones():
    signals = {signal for _sentence, expected in LABELLED for signal in expected}

    assert len(LABELLED) >= 60
    assert signals == set(nlp.SIGNALS)
    assert sum(1 for _sentence, expected in LABELLED if not expected) >= 20


def test_precision_and_recall_on_the_held_out_set_are_reported(capsys):
    scores = _scores(HELD_OUT)

    _print(f"held-out set ({len(HELD_OUT)} sentences, never used for tuning)", scores, capsys)
    assert len(HELD_OUT) >= 20
    assert set(scores) == set(nlp.SIGNALS)


def test_no_self_harm_sentence_of_the_labelled_set_is_missed():
    missed = [
        sentence
        for sentence, expected in LABELLED
        if "SELF_HARM" in expected and "SELF_HARM" not in nlp.analyse(sentence).signals
    ]

    assert missed == []


def _print(title, scores, capsys):
    with capsys.disabled():
        print(f"\n{title}\nsignal              precision  recall   tp  fp  fn")
        for signal, (precision, recall, true, false, missed) in scores.items():
            print(f"{signal:<20}{precision:>8.2f}{recall:>8.2f}{true:>5}{false:>4}{missed:>4}")


def test_precision_and_recall_per_signal_on_the_labelled_set(capsys):
    scores = _scores(LABELLED)

    _print(f"labelled set ({len(LABELLED)} sentences, the lexicon was tuned on it)", scores, capsys)
    assert scores["SELF_HARM"][1] == 1.0
    assert all(recall >= 0.9 for _precision, recall, *_rest in scores.values())
    assert all(precision >= 0.9 for precision, *_rest in scores.values())


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("아파요", {"PAIN"}),
        ("안 아파요", set()),
        ("아프지 않아요", set()),
        ("밥을 먹었어요", set()),
        ("밥을 못 먹었어요", {"NOT_EATING"}),
        ("약을 못 먹었어요", {"SKIPPED_MEDICATION"}),
        ("죽고 싶어요", {"SELF_HARM"}),
        ("죽고 싶지는 않아요", set()),
        ("살고 싶지 않아요", {"SELF_HARM"}),
    ],
)
def test_negation_turns_a_signal_off_or_on(sentence, expected):
    assert nlp.analyse(sentence).signals == expected


def test_the_word_suicide_is_flagged_even_when_denied_so_a_worker_hears_it():
    analysis = nlp.analyse("자살 생각은 없어요")

    assert analysis.signals == {"SELF_HARM"}
    assert analysis.matches[0].negated is True


def test_blank_text_has_no_signals():
    assert nlp.analyse("   ").signals == frozenset()


def test_every_signal_has_a_korean_and_an_english_label():
    labels = [(nlp.signal_label(signal, "ko"), nlp.signal_label(signal, "en")) for signal in nlp.SIGNALS]

    assert labels == [
        ("자해·자살 위험", "Self-harm or suicide risk"),
        ("통증·몸이 아픔", "Pain or feeling unwell"),
        ("식사를 거름", "Not eating"),
        ("약을 거름", "Skipped medication"),
        ("절망·우울", "Hopelessness or low mood"),
    ]
