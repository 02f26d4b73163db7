"""The tool's version (the ``pdfsign-fetch`` distribution's, and its User-Agent's)."""

__version__ = "0.1.0"
