"""One catalogue, two languages: every text the code asks for exists, in both, with the same blanks."""
from __future__ import annotations

import datetime as dt
import re
import string

import pytest

from conftest import ROOT
from kam.sales import abc
from kam.i18n import LANGUAGES, TEXT, MissingText, translator
from kam.periods import PRESETS
from kam.store.schema import CONTACT_ROLES, CUSTOMER_STATUSES, SIZES, TABLES, TIERS

LITERAL_KEY = re.compile(r"""\bt\(\s*(["'])([^"'{}\s]+)\1""")
KEY_PREFIX = re.compile(r"""\bt\(\s*f(["'])([^"'{}\s]+)\{""")
KPI_KEY = re.compile(r"""\bKpi\(\s*(["'])([^"']+)\1""")


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def forms(text) -> dict[str, str]:
    """A text's plural forms by category; a plain text is the one form of every count."""
    return {"other": text} if isinstance(text, str) else text


def test_every_key_has_a_non_empty_text_in_each_language():
    for key, texts in TEXT.items():
        assert len(texts) == len(LANGUAGES), key
        assert all(isinstance(x, str) and x.strip() for text in texts for x in forms(text).values()), \
            f"{key} has an empty text"


def test_both_languages_fill_the_same_blanks():
    """The "other" forms fill the same blanks; a "one" form may leave out the number ("the ticked plan")."""
    for key, texts in TEXT.items():
        others = [placeholders(forms(text)["other"]) for text in texts]
        assert all(blanks == others[0] for blanks in others), key
        assert all(placeholders(form) <= others[0] for text in texts for form in forms(text).values()), key


def test_plural_forms_are_the_categories_each_language_uses():
    """CLDR's categories, as Babel and gettext name them: Chinese has one form, English one and other."""
    needed = {"zh": {"other"}, "en": {"one", "other"}}
    plural = {key: texts for key, texts in TEXT.items() if not all(isinstance(text, str) for text in texts)}
    assert "revisit.propose_saved" in plural
    for key, texts in plural.items():
        for lang, text in zip(LANGUAGES, texts):
            assert set(forms(text)) in ({"other"}, needed[lang]), (key, lang)
            assert "count" in placeholders(forms(text)["other"]), f"{key}: the count chooses the form"


def test_the_count_chooses_the_form_one_row_two_rows():
    en, zh = translator("en"), translator("zh")
    assert en("revisit.propose_saved", count=1) == "1 plan saved."
    assert en("revisit.propose_saved", count=2) == "2 plans saved."
    assert en("revisit.propose_saved", count=0) == "0 plans saved."
    assert en("form.not_saved", count=1) == "Not saved: 1 thing to fix."
    assert zh("revisit.propose_saved", count=1) == "已保存 1 个回访计划。"
    assert zh("revisit.propose_saved", count=2) == "已保存 2 个回访计划。"
    with pytest.raises(MissingText):
        en("revisit.propose_saved")  # the form cannot be chosen without a count


def test_a_list_in_a_sentence_is_joined_the_way_each_language_writes_lists():
    from kam.filters import Filters
    chosen = Filters.from_params({"period": "last_year", "region": "华东,华南"}, dt.date(2026, 6, 1))
    assert "华东、华南" in chosen.human_clause(translator("zh"))
    assert "region 华东, 华南" in chosen.human_clause(translator("en"))


def test_no_source_joins_a_shown_list_with_a_chinese_comma_of_its_own():
    written = [path.relative_to(ROOT).as_posix() for path in sources()
               if '"、".join' in path.read_text(encoding="utf-8")]
    assert written == []


def sources() -> list:
    return [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").rglob("*.py")),
            *sorted((ROOT / "kam").rglob("*.py"))]


def used(pattern: re.Pattern) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sources():
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(2), []).append(path.relative_to(ROOT).as_posix())
    return found


def test_the_scan_finds_the_texts_the_pages_use():
    # guards the patterns below: if they stopped matching, the next tests would pass on nothing
    assert {"app.title", "overview.title", "abc.title"} <= set(used(LITERAL_KEY))
    assert {"tier.", "period."} <= set(used(KEY_PREFIX))


def test_every_key_named_in_the_code_is_in_the_catalogue():
    missing = {key: where for key, where in (used(LITERAL_KEY) | used(KPI_KEY)).items() if key not in TEXT}
    assert not missing, f"keys used but not in kam/i18n: {missing}"


def test_every_key_prefix_built_in_the_code_has_keys_in_the_catalogue():
    missing = {prefix: where for prefix, where in used(KEY_PREFIX).items()
               if not any(key.startswith(prefix) for key in TEXT)}
    assert not missing, f"key prefixes used but with no key in kam/i18n.py: {missing}"


@pytest.mark.parametrize("prefix, values", [
    ("tier.", TIERS), ("status.", CUSTOMER_STATUSES), ("size.", SIZES), ("role.", CONTACT_ROLES),
    ("period.", PRESETS), ("abc.measure.", abc.MEASURES), ("table.", tuple(TABLES)),
    ("abc.class.", abc.MIGRATION_FROM + abc.MIGRATION_TO),
    ("col.customers.", tuple(TABLES["customers"].names)),
])
def test_every_value_a_page_may_name_has_its_text(prefix, values):
    assert [v for v in values if prefix + v not in TEXT] == []


def test_a_missing_key_raises_instead_of_showing_the_key():
    with pytest.raises(MissingText):
        translator("en")("no.such.key")


def test_values_fill_the_blanks_and_an_unknown_language_falls_back_to_chinese():
    assert translator("en")("empty.loaded", rows="1,234") == "Demo data loaded: 1,234 records"
    fallback = translator("fr")
    assert fallback.lang == "zh" and fallback("app.title") == TEXT["app.title"][0]
