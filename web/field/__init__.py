"""What field staff send from the bot, as the web shows it: the photos of field reports."""
