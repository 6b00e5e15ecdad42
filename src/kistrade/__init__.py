"""kistrade: automated trading for Korean stocks over the KIS Open API."""

__version__ = "0.1.0"
