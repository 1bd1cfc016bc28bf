import nbformat as nbf
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def md(t):
    return new_markdown_cell(t)


def code(t):
    return new_code_cell(t)


def nb(cells, path):
    n = new_notebook(cells=cells)
    n.metadata["kernelspec"] = {"name": "postship", "display_name": "Python (postship)", "language": "python"}
    n.metadata["language_info"] = {"name": "python"}
    for i, c in enumerate(n.cells):
        c["id"] = f"cell-{i:02d}"
    nbf.write(n, path)


COMMON = [
    'data_dir: str = "data/sample"  # folder of exports: one folder per seller account, one sub-folder per marketplace (see README)',
    'seller_id: str = ""  # seller account (folder name) to report on; empty means every account in data_dir',
    'marketplaces: str = ""  # comma-separated marketplace codes such as US,DE; empty means all',
    'as_of: str = "2026-11-01"  # as-of date YYYY-MM-DD (marketplace-local); windows end the day before it',
    'max_rows: int = 25  # rows of each action list shown in the report (the CSV files have all of them)',
    'output_dir: str = ""  # folder for the CSV and KPI files written beside the report; empty writes none',
]


def params_cell(extra):
    c = new_code_cell("\n".join(COMMON + list(extra)))
    c.metadata["tags"] = ["parameters"]
    return c


def setup_cell(extra_checks, tables):
    return new_code_cell('''import matplotlib
import pandas as pd
from IPython.display import Markdown, display

import postship_analysis
from postship_analysis import datafolder
from postship_analysis import params as P
from postship_analysis.kpi import TARGETS, kpi_frame
from postship_analysis.reporting import outputs, plots

matplotlib.rcParams["figure.dpi"] = 80
pd.set_option("display.max_colwidth", 60)

DATA_DIR = P.as_folder(data_dir, "data_dir")
SELLER = P.as_str(seller_id, "seller_id") or None
MARKETPLACES = P.as_marketplaces(marketplaces, "marketplaces") or None
AS_OF = P.as_date(as_of, "as_of")
MAX_ROWS = P.as_int(max_rows, "max_rows", minimum=0)
OUT = P.as_str(output_dir, "output_dir")
''' + "\n".join(extra_checks) + f'''
inputs = datafolder.load(DATA_DIR, seller_id=SELLER, marketplaces=MARKETPLACES,
                         tables={tables})
display(pd.DataFrame({{"value": {{
    "data folder": str(DATA_DIR), "seller account": SELLER or "(all)",
    "marketplaces": ", ".join(MARKETPLACES) if MARKETPLACES else "(all)",
    "as of": str(AS_OF.date()), "package version": postship_analysis.__version__,
    "rows loaded": f"{{int(inputs.accounting()['accepted'].sum()):,}} accepted, "
                   f"{{int(inputs.accounting()['rejected'].sum()):,}} rejected (see the data overview)"}}}}))''')
