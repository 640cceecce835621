"""The Korean catalogue is complete: every message the code shows has a reviewed Korean translation.

Korean is the default language, so an untranslated msgid shows English to a Korean reader, and a fuzzy
entry (a guess msgmerge made from a similar string) is silently ignored by gettext. Both fail the build.
The catalogue itself is made by the translation pass:
``python manage.py makemessages -l ko -l en --no-obsolete`` then translate, then ``compilemessages``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
KOREAN_CATALOGUE = ROOT / "itda" / "locale" / "ko" / "LC_MESSAGES" / "django.po"
# Folders whose strings never reach a user (tests, tooling, data files) or that are not ours.
NOT_USER_FACING = ["locale", ".*", "node_modules", "var", "data", "docs", "bench", "tests", "*/tests", "conftest.py", "*~"]

needs_catalogue = pytest.mark.skipif(
    not KOREAN_CATALOGUE.exists(),
    reason=f"{KOREAN_CATALOGUE.relative_to(ROOT)} does not exist yet: the translation pass at the end creates it",
)


@dataclass(frozen=True)
class Message:
    context: str
    msgid: str
    translations: tuple[str, ...]
    fuzzy: bool

    @property
    def key(self) -> tuple[str, str]:
        return (self.context, self.msgid)

    @property
    def is_translated(self) -> bool:
        return bool(self.translations) and all(self.translations)

    def __str__(self) -> str:
        return f"{self.context}|{self.msgid}" if self.context else self.msgid


def read_catalogue(path: Path) -> list[Message]:
    """Read the live entries of a .po file (the header and obsolete ``#~`` entries left out)."""
    messages = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        flags: set[str] = set()
        current = None
        for line in (raw.strip() for raw in block.splitlines()):
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#") or not line:
                continue
            elif line.startswith('"') and current is not None:
                fields[current] += ast.literal_eval(line)
            else:
                current, _, literal = line.partition(" ")
                fields[current] = ast.literal_eval(literal)
        if "msgid" not in fields or fields["msgid"] == "":
            continue
        translations = tuple(value for name, value in sorted(fields.items()) if name.startswith("msgstr"))
        messages.append(Message(fields.get("msgctxt", ""), fields["msgid"], translations, "fuzzy" in flags))
    return messages


@needs_catalogue
def test_every_korean_message_is_translated_and_none_is_fuzzy():
    messages = read_catalogue(KOREAN_CATALOGUE)

    untranslated = [str(message) for message in messages if not message.is_translated]
    fuzzy = [str(message) for message in messages if message.fuzzy]

    assert {"untranslated": untranslated, "fuzzy": fuzzy} == {"untranslated": [], "fuzzy": []}


@needs_catalogue
def test_the_korean_catalogue_holds_every_message_the_code_uses(tmp_path, settings, monkeypatch):
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(ROOT)
    call_command("makemessages", locale=["ko"], ignore_patterns=list(NOT_USER_FACING), verbosity=0)
    in_code = {message.key: message for message in read_catalogue(tmp_path / "locale" / "ko" / "LC_MESSAGES" / "django.po")}

    translated = {message.key for message in read_catalogue(KOREAN_CATALOGUE) if message.is_translated and not message.fuzzy}
    missing = sorted(str(message) for key, message in in_code.items() if key not in translated)

    assert missing == [], (
        f"{len(missing)} messages in the code have no Korean translation (run makemessages, translate): {missing[:20]}"
    )
