"""Official documents (公文)."""
