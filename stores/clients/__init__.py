"""Typed HTTP clients for the outside platforms (Shopee, Ozon; WeCom lives in notifications.clients).

They import no models: callers pass credentials and base URLs in and get dataclasses or typed
errors (`stores.clients.errors`) back.
"""
