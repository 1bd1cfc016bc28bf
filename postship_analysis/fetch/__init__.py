"""Fetch the exports a data folder needs straight from Amazon (``postship fetch``).

Layers: this package sits beside the readers at the bottom. It writes files into a data
folder *in the form a manual download has* (same bytes, decompressed), so everything
downstream reads them through the same path as hand-downloaded exports. It never imports a
metric or the reporting layer.

- :mod:`.common`: outcome records, atomic writes, throttling backoff, secret redaction.
- :mod:`.credentials`: the credentials file (one profile per account and region).
- :mod:`.spapi`: Selling Partner API Reports (createReport, getReport, getReportDocument).
- :mod:`.adsapi`: Amazon Ads API v3 reporting and the Sponsored Products bulk download.

The clients are ``python-amazon-sp-api`` and ``python-amazon-ad-api``, an optional extra:
``pip install 'postship-analysis[fetch]'``.
"""
