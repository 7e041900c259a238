"""Every message and tracking phrase has its words in both languages, with the same blanks to fill."""

from __future__ import annotations

from domain.announcements import AFTERSALES_KINDS, CASE_KINDS, ORDER_KINDS
from domain.templates import EN, PHRASES, TEMPLATES, ZH, placeholders, render


def test_each_template_says_the_same_things_in_chinese_and_english() -> None:
    for kind, languages in TEMPLATES.items():
        assert set(languages) == {ZH, EN}, kind
        for part in ("title", "text"):
            zh, en = (placeholders(getattr(languages[lang], part)) for lang in (ZH, EN))
            assert zh == en, (kind, part, zh, en)
    for key, languages in PHRASES.items():
        assert placeholders(languages[ZH]) == placeholders(languages[EN]), key


def test_every_announced_event_has_a_template_that_renders() -> None:
    kinds = {kind for kind, _ in (*ORDER_KINDS.values(), *CASE_KINDS.values(), *AFTERSALES_KINDS.values())}
    kinds |= {"delivery_delayed", "special_situation", "replenishment_requested"}
    for kind in kinds:
        blanks = placeholders(TEMPLATES[kind][ZH].text) | placeholders(TEMPLATES[kind][ZH].title)
        message = render(kind, EN, {blank: f"<{blank}>" for blank in blanks})
        assert message.title and "{" not in message.text, kind
