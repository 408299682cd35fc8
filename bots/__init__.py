"""Platform adapters (X, Telegram, sandbox) and the field-staff Telegram bot."""
