"""Form messages are shown Korean first, with the English after it, in either page language."""

from __future__ import annotations

from django.utils import translation

from itda.portal.forms import korean_first


def test_a_translated_message_reads_korean_then_english_even_on_an_english_page():
    with translation.override("en"):
        message = korean_first("Enter a whole number.")  # translated in Django's own Korean catalogue

    assert message == "정수를 입력하세요. (Enter a whole number.)"


def test_a_message_without_a_korean_translation_is_shown_once():
    message = korean_first("A sentence no catalogue has translated.")

    assert message == "A sentence no catalogue has translated."
