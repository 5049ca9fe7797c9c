"""Fixtures: real stores on real data, each in the test's own folder.

`book` is a small hand-made book of business whose numbers the tests work out
again with plain Python over the rows below; `demo_dir` is the demo generator's
store at a small size, for the pages and the browser.
"""
from __future__ import annotations

import datetime as dt
import shutil
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from kam.readside.database import Database
from kam.store.delta import Store
import ui

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
ARTIFACTS = ROOT / "tests" / "artifacts"
TODAY = dt.date.today()
# the pages under test: file in pages/ and URL path, and the catalogue key of their title
PAGES = {"overview": "overview.title", "abc": "abc.title", "accounts": "accounts.title", "data": "data.title",
         "explore": "explore.title", "sql": "sql.title"}

CUSTOMERS = [
    dict(customer_id="00017", name="华东精密机械", region="East", account_manager="Li Na", tier="important",
         status="active", industry="Machinery", size="large", credit_limit=500000, payment_terms_days=60,
         profile="Makes precision parts for export"),
    dict(customer_id="00023", name="申江物流", region="East", account_manager="Wang Wei", tier="ordinary",
         status="active", industry="Logistics", size="medium"),
    dict(customer_id="00105", name="蜀都食品", region="West", account_manager="Li Na", tier="important",
         status="active", industry="Food", size="large"),
    dict(customer_id="00200", name="北辰新材", region="North", account_manager="Zhao Lei", tier="potential",
         status="active"),
    dict(customer_id="00301", name="天府电子", region="West", account_manager="Wang Wei", tier="ordinary",
         status="active", size="small"),
    dict(customer_id="00404", name="燕山化工", region="North", account_manager="Zhao Lei", tier="ordinary",
         status="churned"),
]


def _sale(order_id, customer_id, day, amount, cost=None, profit=None) -> dict:
    return dict(order_id=order_id, customer_id=customer_id, date=day, amount=amount, cost=cost, profit=profit)


D = dt.date
SALES = [
    # 2025, the period most tests look at
    _sale("S2501", "00017", D(2025, 1, 15), 120000, cost=80000),
    _sale("S2502", "00017", D(2025, 3, 2), 80000, cost=50000),
    _sale("S2503", "00023", D(2025, 2, 10), 30000, cost=27000),
    _sale("S2504", "00105", D(2025, 4, 20), 45000, cost=30000),
    _sale("S2505", "00105", D(2025, 11, 30), 15000, cost=9000),
    _sale("S2506", "00301", D(2025, 6, 1), 8000, cost=8500),       # sold at a loss
    _sale("S2507", "00404", D(2025, 1, 31), 5000, cost=3000),
    _sale("S2508", "00404", D(2025, 2, 15), -5000, cost=-3000),    # the goods came back
    _sale("S2509", "00023", D(2025, 12, 31), 2000, profit=500),    # profit given, no cost
    _sale("S2510", "09999", D(2025, 7, 7), 3000, cost=1000),       # sold before the customer was filed
    # 2024, the period before
    _sale("S2401", "00017", D(2024, 5, 5), 60000, cost=40000),
    _sale("S2402", "00404", D(2024, 3, 3), 90000, cost=60000),
    _sale("S2403", "00023", D(2024, 7, 7), 40000, cost=30000),
    _sale("S2404", "00105", D(2024, 12, 31), 10000, cost=6000),
    _sale("S2405", "00301", D(2024, 1, 1), 500, cost=300),
    _sale("S2406", "00301", D(2026, 1, 1), 9999, cost=5000),       # the day after 2025
    # recent trade, for the account search's last twelve months
    _sale("S9001", "00105", TODAY - dt.timedelta(days=10), 7000, cost=4000),
    _sale("S9002", "00301", TODAY - dt.timedelta(days=40), 3000, cost=2000),
    _sale("S9003", "00017", TODAY - dt.timedelta(days=400), 1000, cost=500),
]

CONTACTS = [
    dict(contact_id="P1", customer_id="00017", name="周敏", role="decision_maker", title="总经理",
         phone="13800000001", birthday=D(1975, 4, 2), interests="golf"),
    dict(contact_id="P2", customer_id="00017", name="陈刚", role="buyer", title="采购经理", phone="13800000002"),
    dict(contact_id="P3", customer_id="00105", name="刘洋", role="handler"),
]

AS_OF = D(2025, 6, 1)
PAYMENTS = [
    dict(invoice_id="I-1", customer_id="00017", invoice_date=D(2025, 1, 15), amount=120000,
         due_date=D(2025, 3, 16), paid_date=D(2025, 3, 10), paid_amount=120000),
    dict(invoice_id="I-2", customer_id="00017", invoice_date=D(2025, 3, 2), amount=80000,
         due_date=D(2025, 5, 1), paid_date=D(2025, 5, 20), paid_amount=30000),
    dict(invoice_id="I-3", customer_id="00017", invoice_date=D(2025, 5, 20), amount=10000,
         due_date=D(2025, 7, 1)),
    dict(invoice_id="I-4", customer_id="00105", invoice_date=D(2025, 4, 20), amount=45000,
         due_date=D(2025, 5, 20)),
]

VISITS = [
    dict(visit_id="V1", customer_id="00017", date=D(2025, 2, 1), method="in_person", occasion="periodic",
         received_by="周敏", visited_by="Li Na", discussed="2025 frame contract", deal_stage="negotiation",
         satisfaction=4, next_visit_date=D(2025, 3, 1)),
    dict(visit_id="V2", customer_id="00017", date=D(2025, 3, 3), method="phone", occasion="after_transaction",
         received_by="陈刚", visited_by="Li Na", discussed="delivery feedback", deal_stage="won", satisfaction=5),
    dict(visit_id="V3", customer_id="00105", date=D(2025, 4, 1), method="email"),
]

CHANGES = [
    dict(change_id="H1", customer_id="00017", changed_on=D(2025, 2, 20), field="payment_terms_days",
         old_value="30", new_value="60", reason="new finance director"),
    dict(change_id="H2", customer_id="00017", changed_on=D(2025, 5, 1), field="credit_limit",
         old_value="300000", new_value="500000", reason="capital increase"),
]

BOOK = {"customers": CUSTOMERS, "sales": SALES, "contacts": CONTACTS, "payments": PAYMENTS,
        "visits": VISITS, "profile_changes": CHANGES}


def link_text(link: str) -> str:
    """What a link to an account file (ui.account_link) shows: the text after its #."""
    return link.split("#", 1)[1]


def pareto_classes(by_customer: dict[str, float], cuts=(0.8, 0.95)) -> dict[str, str]:
    """The ABC rule in exact fractions: rank, share so far before each customer, cut."""
    ranked = sorted(by_customer.items(), key=lambda kv: (-kv[1], kv[0]))
    total = sum(Fraction(v) for _, v in ranked if v > 0)
    a_cut, b_cut = (Fraction(str(c)) for c in cuts)
    out, before = {}, Fraction(0)
    for customer, value in ranked:
        if value <= 0:
            out[customer] = "C"
            continue
        out[customer] = "A" if before < a_cut else "B" if before < b_cut else "C"
        before += Fraction(value) / total
    return out


def store_copy(root: Path, to: Path) -> Path:
    """A copy of a shared store to change, without its read side's file (.cache: only a copy of the
    tables, made again from them): a read side of the same process may be writing that file (a
    meeting's screens made in the background), and a copy taken meanwhile would be torn."""
    return shutil.copytree(root, to, ignore=shutil.ignore_patterns(".cache"))


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "store")


@pytest.fixture(scope="session")
def filed_book(tmp_path_factory) -> Path:
    """The book written once; tests get a copy to change, or read it through book_db."""
    store = Store(tmp_path_factory.mktemp("book") / "store")
    for name, rows in BOOK.items():
        store.append(name, rows, user="tester")
    return store.root


@pytest.fixture
def book(filed_book, tmp_path) -> Store:
    return Store(store_copy(filed_book, tmp_path / "book"))


@pytest.fixture
def db(book) -> Database:
    return Database(book)


@pytest.fixture(scope="session")
def book_db(filed_book) -> Database:
    """The book for tests that only read it."""
    return Database(Store(filed_book))


@pytest.fixture(autouse=True)
def app_today(monkeypatch):
    """The app's today is the suite's TODAY, so a run that crosses midnight still agrees with itself."""
    monkeypatch.setattr(ui, "today", lambda: TODAY)


@pytest.fixture(autouse=True)
def main_module_kept():
    """Streamlit's AppTest runs a page as the module __main__ and leaves it there: a later test's
    processes started by multiprocessing would then run that page again instead of starting."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


@pytest.fixture
def risk_root(tmp_path) -> Path:
    """The churn, complaint and at-risk pages' book (tests/risk_book.py) in a folder of its own."""
    from risk_book import build

    build(tmp_path / "store")
    return tmp_path / "store"


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """A small demo store, made once and only read by the tests that share it."""
    from kam import demo

    root = tmp_path_factory.mktemp("demo") / "store"
    demo.generate(Store(root), customers=60, today=TODAY, user="demo")
    return root


@pytest.fixture(scope="session")
def identity_provider() -> str:
    """A real OpenID Connect provider (tests/identity_provider.py), started once for the session."""
    from identity_provider import running

    try:
        with running() as url:
            yield url
    except RuntimeError as error:
        pytest.fail(str(error))
