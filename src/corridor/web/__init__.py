"""The web page: static files built from web/ (see web/README.md)."""
