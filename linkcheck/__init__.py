"""linkcheck: audit related-account risk across marketplace seller accounts."""

__version__ = "0.1.0"
