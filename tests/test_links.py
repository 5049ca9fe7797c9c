"""Every table that names a customer leads to the account file: the links built for a whole table."""
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from kam.i18n import translator
from ui.links import customer_links


def test_each_row_links_to_its_own_account_file_by_an_escaped_id_and_shows_the_name_or_else_the_id():
    table = pd.DataFrame({"customer_id": ["C001", "华东 01/A&B", "C003"],
                          "customer_name": ["上海某某", None, ""], "value": [3.0, 2.0, 1.0]})
    before = table.copy()
    linked, config = customer_links(table, translator("zh"))

    addresses = [urlsplit(a) for a in linked["customer_name"]]
    assert [parse_qs(a.query)["customer"] for a in addresses] == [["C001"], ["华东 01/A&B"], ["C003"]]
    assert {parse_qs(a.query)["lang"][0] for a in addresses} == {"zh"}
    assert [a.fragment for a in addresses] == ["上海某某", "华东 01/A&B", "C003"]  # the link's text
    assert list(config) == ["customer_name"]
    pd.testing.assert_frame_equal(table, before)  # the caller's frame is left as it was
