"""The calendar's web pages: views, events, anniversaries, imports and lead times."""
