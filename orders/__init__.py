"""Normalized orders, after-sales cases and stock levels, with their batched upserts."""
