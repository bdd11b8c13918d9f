"""The web service (FastAPI): JSON API, public endpoints, the VC API and server-rendered pages."""
