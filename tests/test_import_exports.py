"""Real exports go in the first time (issue 19): values as people write them, columns an export
lacks, problem reports a person can read, imported visits that behave like the form's."""
from __future__ import annotations

import pytest

import export_corpus as corpus
import import_corpus
from kam.imports import files
from kam.imports import importer
from kam.store.delta import Store


@pytest.fixture
def shop(store) -> Store:
    store.append("customers", import_corpus.CUSTOMERS, user="setup")
    return store


def plan_for(store, table, name, data, **options):
    return importer.check(store, table, files.read(name, data), importer.Options(**options))


@pytest.mark.parametrize("table", list(corpus.LISTS_IN_WORDS))
def test_every_list_is_read_in_chinese_english_and_synonyms_and_stored_as_codes(shop, table):
    data, expected = corpus.LISTS_IN_WORDS[table]
    plan = plan_for(shop, table, f"{table}.csv", data)
    assert plan.problems.empty, plan.problems.to_dict("records")
    shown = importer.preview(plan)
    for column, codes in expected.items():
        assert shown[column].tolist() == codes
    done = importer.commit(shop, plan, user="ana")
    stored = shop.read(table).to_pandas().query("batch_id == @done.import_id")
    for column, codes in expected.items():
        assert stored[column].tolist() == codes
