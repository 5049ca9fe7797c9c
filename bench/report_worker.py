"""The floor's and pandas' CLI reports and import, each run as its own process like `python -m kam`.

    python bench/report_worker.py floor|pandas REPORT STORE [CSV]
"""
from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

HEADERS = {"订单号": "order_id", "客户编号": "customer_id", "日期": "date", "产品": "product", "数量": "quantity",
           "金额": "amount", "成本": "cost"}


def floor_report(name: str, root: str) -> None:
    import pyarrow.csv as pacsv

    import floor
    from kam.filters import Filters
    from kam.store.delta import Store

    con = floor.connect(Store(root))
    today = dt.date.today()
    args = (Filters.from_params({}, today),) if name == "at-risk" else ()
    pacsv.write_csv(floor.REPORTS[name](con, today, *args), sys.stdout.buffer)


def pandas_report(name: str, root: str) -> None:
    import pandas as pd

    import pandas_way
    from kam.store.delta import Store

    store = Store(root)
    frames = {"sales": pd.read_parquet(store.files("sales"), columns=["customer_id", "amount"])}
    pandas_way.REPORTS[name](frames, dt.date.today()).to_csv(sys.stdout, index=False)


def _target_schema():
    import pyarrow as pa

    from kam.store.schema import TABLES
    spec = TABLES["sales"]
    return pa.schema([pa.field(c.name, c.arrow_type) for c in spec.all_columns])


def floor_import(root: str, csv: str) -> None:
    """Decode, parse with Arrow, append to the Delta table: no checks, no stamps."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    from deltalake import write_deltalake
    from kam.store.delta import writer

    text = Path(csv).read_bytes().decode("gb18030").encode("utf-8")
    table = pacsv.read_csv(io.BytesIO(text))
    table = table.rename_columns([HEADERS[c] for c in table.column_names])
    schema = _target_schema()
    columns = [table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
               for f in schema]
    # written as the store writes its files (the same writer properties), so the floor is no slower there
    write_deltalake(str(Path(root) / "sales"), pa.table(columns, schema=schema), mode="append",
                    writer_properties=writer("sales"))


def pandas_import(root: str, csv: str) -> None:
    import pandas as pd
    import pyarrow as pa
    from deltalake import write_deltalake

    frame = pd.read_csv(csv, encoding="gb18030").rename(columns=HEADERS)
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    schema = _target_schema()
    for f in schema:
        if f.name not in frame:
            frame[f.name] = None
    write_deltalake(str(Path(root) / "sales"), pa.Table.from_pandas(frame[schema.names], schema=schema,
                                                                    preserve_index=False), mode="append")


if __name__ == "__main__":
    way, name, root = sys.argv[1:4]
    if name == "import":
        (floor_import if way == "floor" else pandas_import)(root, sys.argv[4])
    else:
        (floor_report if way == "floor" else pandas_report)(name, root)
