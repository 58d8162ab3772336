"""ipnav — open, bilingual platform for intellectual-property public service."""

__version__ = "0.1.0"
