"""LEADS_AUTO_ASSIGN=1: new leads go round-robin to the active Sales members."""

import threading
import time

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connections, transaction

from leads.models import Lead
from leads.roles import sales_group_ensure
from leads.services import lead_create
from tests.leads.builders import build_lead, form_data, make_site_pages, make_staff
from tests.leads.servers import requires_postgresql

ENQUIRY = "/leads/enquiry/"


@pytest.fixture
def sales_team(settings, django_user_model):
    settings.LEADS_AUTO_ASSIGN = True
    settings.LEADS_RATE_LIMIT = "0"
    sales_group_ensure(apps)  # transactional tests lose the migration's group
    make_staff(django_user_model, "editor")  # staff, not Sales
    return [
        make_staff(django_user_model, "sana", "Sales"),
        make_staff(django_user_model, "omar", "Sales", is_active=False),
        make_staff(django_user_model, "bilal", "Sales"),
    ]


def enquire(client, **fields) -> Lead:
    assert client.post(ENQUIRY, form_data(**fields)).status_code == 303
    return Lead.objects.order_by("pk").last()


@pytest.mark.django_db
def test_new_leads_go_round_robin_to_active_sales_members(client, sales_team):
    make_site_pages()
    sana, _, bilal = sales_team
    owners = [enquire(client, email=f"reader{n}@example.com").owner for n in range(4)]
    assert owners == [sana, bilal, sana, bilal]


@pytest.mark.django_db
def test_spam_is_assigned_to_nobody(client, sales_team):
    make_site_pages()
    assert enquire(client, website="https://spam.example/").owner is None
    assert enquire(client, email="real@example.com").owner == sales_team[0]


@pytest.mark.django_db
def test_no_owner_when_the_group_has_no_active_member(client, sales_team):
    make_site_pages()
    Group.objects.get(name="Sales").user_set.remove(sales_team[0], sales_team[2])
    assert enquire(client).owner is None


@pytest.mark.django_db
def test_no_owner_without_the_setting(client, sales_team, settings):
    settings.LEADS_AUTO_ASSIGN = False
    make_site_pages()
    assert enquire(client).owner is None


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_leads_at_once_go_to_two_members(sales_team):
    barrier = threading.Barrier(2)
    errors = []

    def create(token: str) -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                lead_create(
                    lead=build_lead(email=f"{token}@example.com"), form_token=token
                )
                time.sleep(0.5)  # uncommitted a while
        except Exception as error:  # noqa: BLE001 - reported by the assertion
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(f"t{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    owners = sorted(Lead.objects.values_list("owner__username", flat=True))
    assert owners == ["bilal", "sana"]
