"""The one catalogue of UI text, in Chinese and English.

Every string a page shows comes from here through `translator(lang)`. The text
lives by feature in the other modules of this package, each a dict TEXT of
key -> (Chinese, English), joined here; a key written twice is refused. Table and
column names are declared with the schema and joined in below, so a label is
written once. A text that depends on a number holds plural forms (see
PLURAL_CATEGORY). A missing key raises, so a page can never show a raw key.
"""
from __future__ import annotations

import importlib
import pkgutil

import pandas as pd

from kam.store.schema import TABLES

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

TEXT: dict[str, tuple] = {}


def _join_feature_modules() -> None:
    """Every other module of this package holds a feature's TEXT: joined here, a key written twice refused."""
    package = importlib.import_module("kam.i18n")
    for found in pkgutil.iter_modules(package.__path__):
        if found.name == "catalogue":
            continue
        more = importlib.import_module(f"kam.i18n.{found.name}").TEXT
        twice = sorted(set(more) & set(TEXT))
        if twice:
            raise ValueError(f"kam.i18n.{found.name} writes again: {', '.join(twice)}")
        TEXT.update(more)


def _join_schema_names() -> None:
    """Each table's and column's name as the schema declares it, unless a feature's text names it."""
    for table in TABLES.values():
        TEXT.setdefault(f"table.{table.name}", (table.zh, table.en))
        for column in table.all_columns:
            TEXT.setdefault(f"col.{column.name}", (column.zh, column.en))
            TEXT.setdefault(f"col.{table.name}.{column.name}", (column.zh, column.en))


_join_feature_modules()
_join_schema_names()


class MissingText(KeyError):
    pass


def value_name(t, column: str, value) -> str:
    """The name of an allowed value; a value someone added to an editable list is its own name."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    key = f"{column}.{value}"
    return t(key) if key in TEXT else str(value)


def value_from_name(t, column: str, name: str, known) -> str:
    """The value a person meant by a name: a known value whose name it is, else the name itself."""
    return next((v for v in known if value_name(t, column, v) == name), name)


# Plural forms by CLDR's categories, as Babel and gettext catalogues name them: a text that
# depends on a number maps each category its language uses to a form, and the value named
# `count` chooses one. Chinese has one form (a plain text); English has "one" and "other".
PLURAL_CATEGORY = {
    "zh": lambda count: "other",
    "en": lambda count: "one" if count == 1 else "other",
}


def plural_form(text, lang: str, count):
    """The form of `text` for this count: a plain text is the one form of every count."""
    return text if isinstance(text, str) else text[PLURAL_CATEGORY[lang](count)]


def translator(lang: str):
    """The catalogue function for one language: t(key, **values) -> text; a text with plural forms
    takes the form for values["count"] (t("revisit.propose_saved", count=1) -> "1 plan saved.")."""
    index = LANGUAGES.index(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    lang = LANGUAGES[index]

    def t(key: str, **values) -> str:
        try:
            text = TEXT[key][index]
        except KeyError:
            raise MissingText(f"no text for {key!r}") from None
        if not isinstance(text, str):
            if "count" not in values:
                raise MissingText(f"{key!r} has plural forms: give its count")
            text = plural_form(text, lang, values["count"])
        return text.format(**values) if values else text

    t.lang = lang
    return t
