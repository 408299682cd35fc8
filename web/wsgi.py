"""The WSGI entry point for production servers: ``gunicorn web.wsgi:app``."""

from dotenv import load_dotenv

from web import create_app
from web.cli import install_telegram_webhook

load_dotenv()
app = create_app()
# Webhook mode (HERALD_TELEGRAM_WEBHOOK_SECRET): each process runs the field bot it feeds.
install_telegram_webhook(app)
