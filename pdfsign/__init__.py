"""pdfsign: issue Japanese business documents as long-term signed PDFs and prove them genuine."""

__all__: list[str] = []
