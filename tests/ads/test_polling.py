"""The ads dispatcher and a poll's bookkeeping: every active store gets its AdsStore, due stores are claimed once
whatever the number of dispatchers, the first poll reads the last 14 closed days and later ones only the days
closed since, and a store without ads credentials waits a day instead of failing every hour."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ads.models import AdsStore
from ads.polling import ads_dispatch, ads_poll, closed_days_due, platform_now
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 4, 3, 0, tzinfo=ZoneInfo("UTC"))


def test_each_due_store_is_queued_once_an_interval(settings):
    settings.SHOPCREW_ADS_POLL_INTERVAL = 3600
    stores = [StoreFactory() for _ in range(3)]
    StoreFactory(status="paused")
    queued: list[list[int]] = []
    assert ads_dispatch(queue=queued.append, now=NOW, per_task=2) == 3
    assert sorted(i for batch in queued for i in batch) == sorted(s.pk for s in stores)
    assert [len(b) for b in queued] == [2, 1]
    assert ads_dispatch(queue=queued.append, now=NOW + timedelta(minutes=59)) == 0  # not due again yet
    assert ads_dispatch(queue=queued.append, now=NOW + timedelta(hours=1)) == 3


def test_the_closed_days_read_first_fourteen_then_only_the_new_ones():
    ads = AdsStore(closed_through=None)
    today = date(2026, 12, 4)
    first = closed_days_due(ads, today)
    assert (first[0], first[-1], len(first)) == (date(2026, 11, 20), date(2026, 12, 3), 14)
    ads.closed_through = date(2026, 12, 3)
    assert closed_days_due(ads, today) == []
    assert closed_days_due(ads, date(2026, 12, 5)) == [date(2026, 12, 4)]
    ads.closed_through = date(2026, 6, 1)  # a long pause: a month at most in one poll
    assert len(closed_days_due(ads, today)) == 31


def test_the_platform_day_is_the_shops_for_shopee_and_moscows_for_ozon():
    late = datetime(2026, 12, 4, 22, 30, tzinfo=ZoneInfo("UTC"))
    assert platform_now(StoreFactory(platform="shopee", site="TH"), late).date() == date(2026, 12, 5)  # UTC+7
    assert platform_now(StoreFactory(platform="ozon", site="RU"), late).date() == date(2026, 12, 5)  # UTC+3
    assert platform_now(StoreFactory(platform="shopee", site="BR"), late).date() == date(2026, 12, 4)  # UTC-3


def test_a_store_without_ads_credentials_is_asked_again_a_day_later():
    store = StoreFactory(platform="shopee", site="TH")  # never authorized
    ads_dispatch(queue=lambda ids: None, now=NOW)
    assert ads_poll(store_id=store.pk, now=NOW).outcome == "not_connected"
    ads = AdsStore.objects.get(store=store)
    assert ads.connected is False and ads.next_poll_at == NOW + timedelta(hours=24) and ads.failures == 0


def test_connecting_a_store_polls_its_ads_at_once_instead_of_a_day_later(django_capture_on_commit_callbacks):
    from stores.models import OzonPerformanceCredential

    store = StoreFactory(platform="ozon", site="RU")
    ads_dispatch(queue=lambda ids: None, now=NOW)
    assert ads_poll(store_id=store.pk, now=NOW).outcome == "not_connected"
    with django_capture_on_commit_callbacks(execute=True):
        OzonPerformanceCredential.objects.create(
            store=store, client_id="1@advertising.performance.ozon.ru", client_secret="s"
        )
    ads = AdsStore.objects.get(store=store)
    assert ads.connected is True and ads.next_poll_at <= timezone.now()
    queued: list[int] = []
    ads_dispatch(queue=queued.extend, now=timezone.now())
    assert queued == [store.pk]
