import pytest

from tests.factories import StaffFactory, StoreFactory


@pytest.mark.django_db
def test_store_owners_must_differ_at_database_level():
    from django.db import IntegrityError

    owner = StaffFactory()
    with pytest.raises(IntegrityError):
        StoreFactory(primary_owner=owner, backup_owner=owner)
