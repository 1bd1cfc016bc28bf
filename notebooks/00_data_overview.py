# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (postship)
#     language: python
#     name: postship
# ---

# %% [markdown]
# # Data overview
#
# What was loaded from the exports, what was rejected and why, and which dates each input covers. Every other report starts from these tables.

# %% tags=["parameters"]
data_dir: str = "data/sample"  # folder of exports: one folder per seller account, one sub-folder per marketplace (see README)
seller_id: str = ""  # seller account (folder name) to report on; empty means every account in data_dir
marketplaces: str = ""  # comma-separated marketplace codes such as US,DE; empty means all
as_of: str = "2026-11-01"  # as-of date YYYY-MM-DD (marketplace-local); rows dated on or after it are not used
max_quarantine_rows: int = 25  # quarantined rows listed in full (all of them are counted)
output_dir: str = ""  # folder for the CSV and KPI files written beside the report; empty writes none
store: str = ""  # Parquet store of the inputs, set by the report runner; empty reads data_dir

# %%
import matplotlib
import pandas as pd

from postship_analysis import datafolder, overview
from postship_analysis import params as P
from postship_analysis.kpi import KPI
from postship_analysis.reporting import notebook as R
from postship_analysis.reporting import outputs, plots

matplotlib.rcParams["figure.dpi"] = 80

DATA_DIR = P.as_folder(data_dir, "data_dir")
SELLER = P.as_str(seller_id, "seller_id") or None
MARKETPLACES = P.as_marketplaces(marketplaces, "marketplaces") or None
AS_OF = P.as_date(as_of, "as_of")
MAX_Q = P.as_int(max_quarantine_rows, "max_quarantine_rows", minimum=0)
OUT = P.as_str(output_dir, "output_dir")

# %% [markdown]
# ## Inputs and row accounting
#
# One line per file. *Rows read* counts every data row in the file; each is either *accepted* or *rejected* (quarantined with a reason below). Blank lines are not rows. Files that could not be read at all are listed after the table.

# %%
inputs = datafolder.load(DATA_DIR, seller_id=SELLER, marketplaces=MARKETPLACES, store=store)
acc = inputs.accounting()
totals = acc[["rows_read", "accepted", "rejected"]].sum()
assert int(totals.accepted + totals.rejected) == int(totals.rows_read), "row accounting broken"
R.note(f"**{len(acc)} files read: {int(totals.rows_read):,} rows, {int(totals.accepted):,} accepted, "
       f"{int(totals.rejected):,} rejected** (accepted + rejected = rows read).")
R.show(acc.drop(columns=["warnings"]).sort_values(["rejected", "file"], ascending=[False, True]),
       "row_accounting", caption="Files with rejected rows first",
       decision=("file", "report_type", "rows_read", "accepted", "rejected"),
       max_rows=60, csv=outputs.write_csv(acc, OUT, "row_accounting"))
if inputs.errors:
    R.show(pd.DataFrame(inputs.errors, columns=["file", "problem"]), "unreadable_files",
           caption="Files that could not be read", decision=("file", "problem"))
warns = datafolder.warnings_table(inputs, as_of=AS_OF)
if len(warns):  # file names and values come from outside: the table escapes them
    R.show(warns, "input_warnings", decision=("file", "warning"),
           caption="Warnings: header-only files, dates that fit day-first and month-first, "
                   "files that are no report, an as-of date far from the orders")

# %% [markdown]
# ### Overlapping downloads
#
# When several files carry the same row (for example weekly *last 30 days* downloads), one copy is kept: the newest version where the report has one, else the newest file. A file's date is the report's own creation date where the file records it (Excel downloads), else the last day its data cover, else when the file was modified. Advertising downloads win whole days: the newest file covering a day supplies every row of that day at its report level (Amazon restates conversions after the click). The superseded copies are counted here, with the file that won them.

# %%
ov = inputs.overlaps
if ov["superseded"].sum():
    R.show(ov, "overlaps", decision=("table", "superseded", "rows_kept"))
else:
    R.note(f"No overlapping rows: {int(ov['rows_kept'].sum()):,} rows in {len(ov)} tables.")
ovf = inputs.overlap_files
if len(ovf) and ovf["superseded"].sum():
    R.show(ovf[ovf["table"].isin(ovf.loc[ovf["superseded"] > 0, "table"])], "overlap_files",
           decision=("file", "superseded", "kept", "superseded_by"),
           missing={"superseded_by": "nothing superseded"})

# %% [markdown]
# ## Quarantine
#
# Rejected rows grouped by file, column and reason, then the first rows in full. Fix them in the export or accept the loss knowingly. All of them are in `quarantine.csv`.

# %%
q = inputs.quarantine.copy()
q["file"] = q["file"].map(lambda p: str(p).replace(str(DATA_DIR) + "/", "").replace(str(data_dir).rstrip("/") + "/", ""))
csv_q = outputs.write_csv(q, OUT, "quarantine")
if q.empty:
    R.note("No row was rejected.")
else:
    summary = (q.groupby(["file", "column", "reason"]).size().rename("rows").reset_index()
               .sort_values("rows", ascending=False))
    R.show(summary, "quarantine_summary", decision=("file", "column", "reason", "rows"))
    R.show(q, "quarantine", decision=("file", "line", "column", "reason"), max_rows=MAX_Q,
           csv=csv_q, missing={"value": "no single value: the whole line"},
           formats={"line": "number", "value": "text"})
outputs.write_kpis([
    KPI.make("input_rows_read", "ALL", int(totals.rows_read), "count"),
    KPI.make("input_rows_rejected", "ALL", int(totals.rejected), "count"),
    KPI.make("input_files_unreadable", "ALL", len(inputs.errors), "count"),
], OUT, "00_data_overview")

# %% [markdown]
# ## Coverage
#
# Rows and date range per input table and marketplace (marketplace-local days). Rows dated on or after the as-of date are in the files but are not used by any metric as of that date.

# %%
cov = overview.coverage(inputs.tables, AS_OF)
R.show(cov, "coverage", decision=("table", "marketplace", "rows", "first_day", "last_day"),
       max_rows=None, missing={"first_day": "the table has no date", "last_day": "the table has no date"})
if not cov.dropna(subset=["first_day"]).empty:
    plots.coverage_chart(cov, AS_OF);

# %% [markdown]
# ## Order volume
#
# Orders and units per day, by marketplace and fulfilment channel (AFN = Fulfilled by Amazon, MFN = seller-fulfilled); cancelled orders count as orders but not as units.

# %%
daily = overview.orders_daily(inputs.table("orders"), AS_OF)
if daily.empty:
    R.note("No orders in the data: the order-based reports cannot run.")
else:
    plots.daily_lines(daily, "units", ["marketplace", "fulfillment_channel"],
                      "Units ordered per day", "units");
    monthly = (daily.assign(month=daily["day"].dt.to_period("M"))
               .groupby(["month", "marketplace"])[["orders", "units"]].sum().unstack("marketplace"))
    R.show(monthly.tail(18).iloc[::-1], "orders_by_month", decision=("month",),
           caption="Orders and units per month, newest first", max_rows=None,
           missing={c: "no orders that month" for c in [" · ".join(map(str, c)) for c in monthly.columns]})

# %% [markdown]
# ## What the reports can do with these inputs
#
# The same table `postship check-data` prints and the reports use to decide whether a section can run: a section needs each of its inputs with at least one row for the account.

# %%
sec = datafolder.runnable(inputs)
names = lambda s: "; ".join(datafolder.report_names(t) for t in s.split(", ") if t)  # noqa: E731
sec = sec.assign(missing=sec["missing"].map(names), optional_missing=sec["optional_missing"].map(names))
R.show(sec.rename(columns={"optional_missing": "would_also_use"}), "sections",
       decision=("seller_id", "section", "can_run", "missing"), max_rows=None,
       formats={"missing": "text", "would_also_use": "text"})
