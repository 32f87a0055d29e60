"""
A real row through the ORM: on SQLite in the main pass, on MariaDB in the MariaDB pass.
"""
import os

import pytest
from django.contrib.auth import get_user_model
from django.db import connection


def round_trip_user():
    user_model = get_user_model()
    user_model.objects.create_user("apprenant-é✓", email="learner@example.org", password="pw")
    stored = user_model.objects.get(username="apprenant-é✓")
    assert stored.email == "learner@example.org"
    assert stored.check_password("pw")
    return stored


@pytest.mark.django_db
def test_user_round_trip_on_default_database():
    round_trip_user()


@pytest.mark.mariadb
@pytest.mark.django_db
def test_user_round_trip_on_mariadb():
    assert connection.vendor == "mysql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION(), DATABASE()")
        version, database = cursor.fetchone()
    assert "MariaDB" in version
    assert database == f"test_xapi_router_{os.getpid()}"
    round_trip_user()
