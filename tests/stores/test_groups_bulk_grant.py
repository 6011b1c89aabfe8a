"""The bulk grant form picks stores by store group, platform or site too (they narrow each other), among the
stores the granter may grant on."""

import pytest
from django.urls import reverse

from stores.models import StoreGroup
from tests.factories import RoleFactory, StaffFactory, StoreFactory, SuperuserFactory

pytestmark = pytest.mark.django_db
URL = reverse("rbac:binding_bulk_grant_stores")


@pytest.fixture
def setup(db):
    th, sg, ru = (
        StoreFactory(name="泰国店", site="TH"),
        StoreFactory(name="新加坡店", site="SG"),
        StoreFactory(name="莫斯科店", platform="ozon", site="RU"),
    )
    group = StoreGroup.objects.create(name="东南亚")
    group.stores.add(th, sg)
    return th, sg, ru, group, RoleFactory(name="只读", permissions=["orders_view"]), StaffFactory(name="新同事")


def planned(client, **data):
    response = client.post(URL, {"reason": "new hire", **data})
    assert response.status_code == 200, response.content.decode()[:1500]
    return {store.pk for _person, store in response.context["plan"].grant}


def test_a_group_a_platform_and_a_site(setup, login):
    th, sg, ru, group, role, person = setup
    client = login(SuperuserFactory())
    base = {"staff": person.pk, "role": role.pk}
    assert planned(client, **base, store_group=group.pk) == {th.pk, sg.pk}
    assert planned(client, **base, store_group=group.pk, site="TH") == {th.pk}
    assert planned(client, **base, platform="ozon") == {ru.pk}
    assert planned(client, **base, site="SG", stores=[ru.pk]) == {sg.pk, ru.pk}


def test_a_selection_matching_nothing_is_said(setup, login):
    _th, _sg, _ru, group, role, person = setup
    response = login(SuperuserFactory()).post(
        URL, {"reason": "r", "staff": person.pk, "role": role.pk, "store_group": group.pk, "platform": "ozon"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["store_group"]


def test_only_stores_the_granter_may_grant_on(setup, login):
    from rbac.models import Role
    from tests.factories import RoleBindingFactory

    th, _sg, _ru, group, role, person = setup
    admin_th = StaffFactory()
    RoleBindingFactory(staff=admin_th, role=Role.objects.get(key="store_admin"), store=th)
    RoleBindingFactory(staff=person, role=RoleFactory(permissions=["products_view"]), store=th)  # works in 泰国店
    assert planned(login(admin_th), staff=person.pk, role=role.pk, store_group=group.pk) == {th.pk}
