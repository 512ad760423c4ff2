"""Text analytics of comments: language, sentiment, emotions, themes, redaction."""
