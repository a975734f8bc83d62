"""Services of the documents domain: they flush, the view commits."""
