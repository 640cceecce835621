from dataclasses import dataclass

from django.utils import translation

from itda.lib.i18n import InPageLanguage


@dataclass
class Sign:
    name: str
    name_en: str
    display_name = InPageLanguage("name")


def test_english_pages_get_the_english_text_and_korean_pages_the_korean():
    sign = Sign(name="마음편의점", name_en="Maeum store")

    with translation.override("en"):
        assert sign.display_name == "Maeum store"
    with translation.override("ko"):
        assert sign.display_name == "마음편의점"


def test_english_pages_fall_back_to_korean_when_no_english_is_given():
    with translation.override("en"):
        assert Sign(name="마음편의점", name_en="").display_name == "마음편의점"
