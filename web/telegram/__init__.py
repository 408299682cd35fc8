"""Telegram's door into the web: the field bot's webhook."""
