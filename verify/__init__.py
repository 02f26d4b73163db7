"""Validation of signed PDFs and verification reports; needs only the PDF and trust roots."""

__all__: list[str] = []
