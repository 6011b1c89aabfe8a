"""The reports app's demo step (core.seeding): exchange rates of the demo stores' currencies to the company
currency, so the board's converted sales, margins and total ROAS mean something from the first rollup. Approximate
rates, set through the service (audited) and only where the company has none yet: a rate the seller set stays."""

from decimal import Decimal

from core.seeding import Seed

from .models import ExchangeRate
from .services import exchangerate_set

# Units of CNY (the default company currency) per unit of each demo store's currency, late 2026, rounded.
DEMO_RATES = {"SGD": Decimal("5.45"), "THB": Decimal("0.21"), "MYR": Decimal("1.62"), "RUB": Decimal("0.089")}


def seed_exchange_rates(seed: Seed) -> None:
    from django.conf import settings

    if settings.SHOPCREW_COMPANY_CURRENCY != "CNY":
        return  # the demo's rates are to CNY
    known = set(ExchangeRate.objects.values_list("currency", flat=True))
    for currency, rate in DEMO_RATES.items():
        if currency not in known:
            exchangerate_set(actor=seed.admin, currency=currency, rate=rate)
            seed.created("exchange rates")


SEED_STEPS = [seed_exchange_rates]
