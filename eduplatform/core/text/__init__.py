"""Text helpers every domain shares: rich text, safe XML, spreadsheets, local time."""
