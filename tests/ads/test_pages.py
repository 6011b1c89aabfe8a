"""The ads pages as a store's ads manager, an analyst and a colleague without ads rights see them: 广告概览 and one
store's page only where the viewer holds ads_view, thresholds only with ads_operate (audited), exports audited, and
the board's ads spend, sales from ads and ROAS per store and in total — a dash where the viewer may not see them."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ads.models import AdsDay, AdsStore, Campaign
from ads.polling import platform_now
from audit.models import AuditEvent
from reports.models import ExchangeRate
from reports.selectors import BoardFilters, board_rows
from tests.factories import StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def shops(db):
    """Two Thai shops with 14 days of ads (spend 100, sales 350 a day; today so far 40 / 90) and two campaigns."""
    th = StoreFactory(name="泰国店", site="TH")
    th2 = StoreFactory(name="泰国二店", site="TH")
    for store in (th, th2):
        AdsStore.objects.create(store=store, currency="THB", last_polled_at=timezone.now())
        today = platform_now(store, timezone.now()).date()
        for n in range(1, 15):
            AdsDay.objects.create(store=store, day=today - timedelta(days=n), spend=D(100), sales=D(350), final=True)
            AdsDay.objects.create(
                store=store, day=today - timedelta(days=n), campaign_ref="C1", spend=D(60), sales=D(200), final=True
            )
        AdsDay.objects.create(store=store, day=today, spend=D(40), sales=D(90), clicks=12, impressions=800)
        AdsDay.objects.create(store=store, day=today, campaign_ref="C1", spend=D(30), sales=D(90))
        now = timezone.now()
        Campaign.objects.create(
            store=store,
            platform_id="C1",
            name="双12 自动",
            state="running",
            budget=D(50),
            budget_period="daily",
            seen_at=now,
        )
        Campaign.objects.create(store=store, platform_id="C2", name="新品", state="out_of_budget", seen_at=now)
    return th, th2


def test_the_overview_shows_only_the_stores_whose_ads_the_viewer_may_see(shops, grant, login):
    th, th2 = shops
    manager = grant(StaffFactory(), {"ads_view", "ads_operate"}, stores=[th])
    response = login(manager).get(reverse("ads:overview"))
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert row.store == th and (row.today.spend, row.today.sales) == (D(40), D(90))
    assert (row.week.spend, row.week.roas) == (D(700), D("3.50"))  # the last 7 closed days
    assert (row.running, row.stopped) == (1, 1)
    assert "泰国二店" not in response.content.decode()


def test_no_ads_right_no_ads_pages(shops, grant, login):
    th, _th2 = shops
    client = login(grant(StaffFactory(), {"orders_view", "reports_view"}, stores=[th]))
    assert client.get(reverse("ads:overview")).status_code == 403
    assert client.get(reverse("ads:store", args=[th.pk])).status_code == 403


def test_a_store_page_with_its_campaigns_chart_and_days(shops, grant, login):
    th, th2 = shops
    client = login(grant(StaffFactory(), {"ads_view"}, stores=[th]))
    response = client.get(reverse("ads:store", args=[th.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="ads-chart"' in body and "双12 自动" in body
    assert "新品" in body and "预算用尽" in body  # the stopped campaign's state in words
    page = response.context["page"]
    assert [d for d, _t in page["days"]][-1] == platform_now(th, timezone.now()).date()
    assert (page["period"].spend, page["period"].roas) == (D(1400), D("3.50"))
    [c1] = [r for r in page["campaigns"] if r.campaign.platform_id == "C1"]
    assert (c1.today.spend, c1.budget_used) == (D(30), D(60))
    assert 'id="ads-alerts"' not in body  # reading is not changing the thresholds
    assert client.get(reverse("ads:store", args=[th2.pk])).status_code == 404  # not one of theirs


def test_the_alert_thresholds_need_ads_operate_and_are_audited(shops, grant, login):
    th, _ = shops
    reader = login(grant(StaffFactory(), {"ads_view"}, stores=[th]))
    data = {"spike_ratio": "3", "spike_min_spend": "80", "budget_share": "90", "roas_drop": "40"}
    assert reader.post(reverse("ads:store", args=[th.pk]), data).status_code == 403
    client = login(grant(StaffFactory(), {"ads_view", "ads_operate"}, stores=[th]))
    bad = client.post(reverse("ads:store", args=[th.pk]), {**data, "budget_share": "150"})
    assert bad.status_code == 400 and AdsStore.objects.get(store=th).budget_share == 80
    response = client.post(reverse("ads:store", args=[th.pk]), data)
    assert response.status_code == 302
    ads = AdsStore.objects.get(store=th)
    assert (ads.spike_ratio, ads.budget_share, ads.roas_drop) == (D(3), 90, 40)
    event = AuditEvent.objects.get(action="ads.settings_update")
    assert event.store_id == th.pk and event.after["budget_share"] == "90"
    assert event.before["budget_share"] == "80" and "spike_ratio" in event.after


def test_the_store_export_is_a_csv_with_a_bom_and_audited(shops, grant, login):
    th, _ = shops
    client = login(grant(StaffFactory(), {"ads_view"}, stores=[th]))
    response = client.get(reverse("ads:store_export", args=[th.pk]), {"format": "csv"})
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert len(rows) == 1 + 15 + 2  # header, 14 closed days and today, two campaigns
    assert rows[1][3] == "100.00" and rows[1][4] == "THB"
    assert AuditEvent.objects.filter(action="ads.export", store_id=th.pk).count() == 1


def test_the_board_shows_ads_where_the_viewer_may_see_them(shops, grant):
    th, th2 = shops
    ExchangeRate.objects.create(currency="THB", rate=D("0.2"))
    viewer = grant(StaffFactory(), {"reports_view"}, stores=[th, th2])
    grant(viewer, {"ads_view"}, stores=[th])
    today = platform_now(th, timezone.now()).date()
    filters = BoardFilters(start=today - timedelta(days=6), end=today)
    rows, total = board_rows(viewer=viewer, filters=filters)
    by_name = {r.store.name: r for r in rows}
    assert (by_name["泰国店"].ads_spend, by_name["泰国店"].ads_sales, by_name["泰国店"].roas) == (D(640), D(2190), 3.42)
    assert by_name["泰国二店"].ads_spend is None and by_name["泰国二店"].roas is None
    assert (total.ads_spend_converted, total.ads_sales_converted) == (D("128.00"), D("438.00"))
    assert [r.store.name for r in board_rows(viewer=viewer, filters=filters, sort="-roas")[0]] == ["泰国店", "泰国二店"]


def test_the_store_page_links_to_its_ads_for_those_who_may_see_them(shops, grant, login):
    th, _ = shops
    reader = login(grant(StaffFactory(), {"ads_view"}, stores=[th]))
    assert reverse("ads:store", args=[th.pk]) in reader.get(th.get_absolute_url()).content.decode()
    clerk = login(grant(StaffFactory(), {"orders_view"}, stores=[th]))
    body = clerk.get(th.get_absolute_url()).content.decode()
    assert 'id="store-ads"' not in body
