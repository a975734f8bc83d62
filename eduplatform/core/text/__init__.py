"""Text helpers every domain shares: rich text, safe XML, spreadsheets, office documents' text, local time."""
