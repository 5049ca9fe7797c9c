"""What the pages share, in one face: `ui.context()` on a page's first line, then the sidebar's
filters, tables, downloads and saved messages. Forms, charts and the revisit and risk views are
modules of their own (ui.forms, ui.charts, ui.revisit_view, ui.risk_settings, ui.uploads).

ui/ and pages/ are the only code that imports streamlit; ui/navigation.py and ui/uploads.py are
the only code that touches a private part of it.
"""
from ui.context import Context, context, database, language_switch, page_style, today
from ui.downloads import csv_download
from ui.filters import bind_url, period_guard, sidebar_filters
from ui.links import account_link, account_search, customer_links, plain_label
from ui.messages import failure, rerun_saying, said
from ui.navigation import leave_pages_folder_mode
from ui.tables import ROWS_ON_SCREEN, first_rows, label, labelled, literal, named_values, show_table, shown

__all__ = ["Context", "context", "database", "language_switch", "page_style", "today", "csv_download",
           "bind_url", "period_guard", "sidebar_filters", "account_link", "account_search", "customer_links",
           "plain_label", "failure", "rerun_saying", "said", "literal", "leave_pages_folder_mode", "ROWS_ON_SCREEN", "first_rows",
           "label", "labelled", "named_values", "show_table", "shown"]
