"""Offline simulators of the Shopee Open Platform v2, the Ozon Seller API and WeCom group robots.

The app imports nothing else of ShopCrew: the console and the clients reach it only over HTTP.
"""
