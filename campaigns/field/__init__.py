"""Field work from a phone: the field bot's per-person settings, its conversations, the
reminders and digests it pushes (each sent once), and the reports field staff file."""
