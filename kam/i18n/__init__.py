"""The UI's text in Chinese and English (kam.i18n.catalogue); features may keep their text in
modules of their own in this package, each with a TEXT dict, joined into the one catalogue."""
from kam.i18n.catalogue import (DEFAULT_LANGUAGE, LANGUAGES, TEXT, MissingText, translator,  # noqa: F401
                                value_from_name, value_name)
