"""The WSGI entry point for production servers: ``gunicorn web.wsgi:app``."""

from dotenv import load_dotenv

from web import create_app

load_dotenv()
app = create_app()
