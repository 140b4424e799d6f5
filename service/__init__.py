"""DHR Forms: the web service, its models and its command line."""

from service.app import create_app

__all__ = ["create_app"]
