import nbformat as nbf
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

def nb(cells, path):
    n = new_notebook(cells=cells)
    n.metadata["kernelspec"] = {"name": "postship", "display_name": "Python (postship)", "language": "python"}
    n.metadata["language_info"] = {"name": "python"}
    for i, c in enumerate(n.cells):
        c["id"] = f"cell-{i:02d}"
    nbf.write(n, path)

params = new_code_cell('''data_dir: str = "data/sample"  # folder of exports: one folder per seller account, one sub-folder per marketplace (see README)
seller_id: str = ""  # seller account (folder name) to report on; empty means every account in data_dir
marketplaces: str = ""  # comma-separated marketplace codes such as US,DE; empty means all
as_of: str = "2026-11-01"  # as-of date YYYY-MM-DD (marketplace-local); rows dated on or after it are not used
max_quarantine_rows: int = 25  # quarantined rows listed in full (all of them are counted)
output_dir: str = ""  # folder for the CSV and KPI files written beside the report; empty writes none''')
params.metadata["tags"] = ["parameters"]

cells = [
    new_markdown_cell("# Data overview\n\nWhat was loaded from the exports, what was rejected and why, and which "
                      "dates each input covers. Every other report starts from these tables."),
    params,
    new_code_cell('''import matplotlib
import pandas as pd
from IPython.display import Markdown, display

import postship_analysis
from postship_analysis import datafolder, overview
from postship_analysis import params as P
from postship_analysis.kpi import KPI
from postship_analysis.reporting import outputs, plots

matplotlib.rcParams["figure.dpi"] = 80
pd.set_option("display.max_colwidth", 80)

DATA_DIR = P.as_folder(data_dir, "data_dir")
SELLER = P.as_str(seller_id, "seller_id") or None
MARKETPLACES = P.as_marketplaces(marketplaces, "marketplaces") or None
AS_OF = P.as_date(as_of, "as_of")
MAX_Q = P.as_int(max_quarantine_rows, "max_quarantine_rows", minimum=0)
OUT = P.as_str(output_dir, "output_dir")
display(pd.DataFrame({"value": {
    "data folder": str(DATA_DIR), "seller account": SELLER or "(all)",
    "marketplaces": ", ".join(MARKETPLACES) if MARKETPLACES else "(all)",
    "as of": str(AS_OF.date()), "package version": postship_analysis.__version__}}))'''),
    new_markdown_cell("## Inputs and row accounting\n\nOne line per file. *Rows read* counts every data "
                      "row in the file; each is either *accepted* or *rejected* (quarantined with a "
                      "reason below). Blank lines are not rows. Files that could not be read at all "
                      "are listed after the table."),
    new_code_cell('''inputs = datafolder.load(DATA_DIR, seller_id=SELLER, marketplaces=MARKETPLACES)
acc = inputs.accounting()
totals = acc[["rows_read", "accepted", "rejected"]].sum()
assert int(totals.accepted + totals.rejected) == int(totals.rows_read), "row accounting broken"
display(Markdown(
    f"**{len(acc)} files read: {int(totals.rows_read):,} rows, {int(totals.accepted):,} accepted, "
    f"{int(totals.rejected):,} rejected** (accepted + rejected = rows read)."))
display(acc.drop(columns=["warnings"]))
if inputs.errors:
    display(Markdown("**Files that could not be read:**\\n\\n" + "\\n".join(
        f"- `{p}`: {m}" for p, m in inputs.errors)))
unrecognised = [str(f.path.relative_to(DATA_DIR)) for f in inputs.files if f.report_type is None]
if unrecognised:
    display(Markdown("**Files not recognised as a report (ignored):** " + ", ".join(
        f"`{u}`" for u in unrecognised)))'''),
    new_markdown_cell("### Overlapping downloads\n\nWhen several files carry the same row (for example "
                      "weekly *last 30 days* downloads), one copy is kept: the newest version where the "
                      "report has one, else the newest file. The superseded copies are counted here."),
    new_code_cell('''ov = inputs.overlaps
display(ov if ov["superseded"].sum() else Markdown(
    f"No overlapping rows: {int(ov['rows_kept'].sum()):,} rows in {len(ov)} tables."))'''),
    new_markdown_cell("## Quarantine\n\nRejected rows grouped by file, column and reason, then the first "
                      "rows in full. Fix them in the export or accept the loss knowingly."),
    new_code_cell('''q = inputs.quarantine
if q.empty:
    display(Markdown("No row was rejected."))
else:
    summary = (q.assign(file=q["file"].map(lambda p: str(p).replace(str(DATA_DIR) + "/", "")))
               .groupby(["file", "column", "reason"]).size().rename("rows").reset_index()
               .sort_values("rows", ascending=False))
    display(summary)
    display(q.head(MAX_Q))
outputs.write_csv(q, OUT, "quarantine")
outputs.write_csv(acc, OUT, "row_accounting")
outputs.write_kpis([
    KPI.make("input_rows_read", "ALL", int(totals.rows_read), "count"),
    KPI.make("input_rows_rejected", "ALL", int(totals.rejected), "count"),
    KPI.make("input_files_unreadable", "ALL", len(inputs.errors), "count"),
], OUT, "00_data_overview")'''),
    new_markdown_cell("## Coverage\n\nRows and date range per input table and marketplace (marketplace-local "
                      "days). Rows dated on or after the as-of date are in the files but are not used by "
                      "any metric as of that date."),
    new_code_cell('''cov = overview.coverage(inputs.tables, AS_OF)
display(cov)
if not cov.dropna(subset=["first_day"]).empty:
    plots.coverage_chart(cov, AS_OF);'''),
    new_markdown_cell("## Order volume\n\nOrders and units per day, by marketplace and fulfilment channel "
                      "(AFN = Fulfilled by Amazon, MFN = seller-fulfilled); cancelled orders count as orders "
                      "but not as units."),
    new_code_cell('''daily = overview.orders_daily(inputs.table("orders"), AS_OF)
if daily.empty:
    display(Markdown("No orders in the data: the order-based reports cannot run."))
else:
    plots.daily_lines(daily, "units", ["marketplace", "fulfillment_channel"],
                      "Units ordered per day", "units");
    monthly = (daily.assign(month=daily["day"].dt.to_period("M"))
               .groupby(["month", "marketplace"])[["orders", "units"]].sum().unstack("marketplace"))
    display(monthly.tail(18))'''),
    new_markdown_cell("## What the reports can do with these inputs"),
    new_code_cell('''sections = []
have = {t for t, d in inputs.tables.items() if len(d)}
for name, (needs, uses) in datafolder.SECTIONS.items():
    missing = [t for t in needs if t not in have]
    sections.append({"section": name, "can run": "yes" if not missing else "no",
                     "missing inputs": ", ".join(missing)})
display(pd.DataFrame(sections))'''),
]
nb(cells, str(__import__("pathlib").Path(__file__).resolve().parents[1]) + "/00_data_overview.ipynb")
