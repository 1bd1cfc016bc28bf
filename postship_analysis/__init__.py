"""postship-analysis: Amazon seller analytics after the parcel ships."""

__version__ = "0.1.0"
