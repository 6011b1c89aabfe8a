"""Typed HTTP clients for notification channels (the WeCom group robot). They import no models."""
