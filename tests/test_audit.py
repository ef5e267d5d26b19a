"""The audit log: what is recorded, and who may read it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from audit.services import record_event
from establishments.models import Role
from establishments.roles import grant_role

PASSWORD = "correct-horse-battery"


def _event(world, establishment, action=Action.SUBMISSION, **kwargs):
    return record_event(actor=world.rssi, action=action, establishment=establishment, **kwargs)


# --- What is recorded ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_sign_out_and_failure_are_recorded(client, world):
    client.post(reverse("login"), {"username": "rssi@example.fr", "password": PASSWORD})
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "rssi@example.fr", "password": "wrong"})
    client.post(reverse("login"), {"username": "nobody@example.fr", "password": "wrong"})
    events = list(AuditEvent.objects.order_by("pk"))
    assert [e.action for e in events] == [
        Action.SIGN_IN,
        Action.SIGN_OUT,
        Action.SIGN_IN_FAILED,
        Action.SIGN_IN_FAILED,
    ]
    sign_in = events[0]
    assert sign_in.actor == world.rssi
    assert sign_in.establishment == world.hospital  # filed under the RSSI's establishment
    assert sign_in.region_id == "84"
    assert sign_in.ip == "127.0.0.1"
    assert events[2].actor is None and events[2].target == "rssi@example.fr"
    assert events[2].region_id == "84"
    assert events[3].target == "nobody@example.fr"
    assert events[3].detail == {"unknown_account": True}
    assert events[3].region_id is None  # only national users read it


@pytest.mark.django_db
def test_grant_role_records_a_role_change(world):
    grant_role(email="new@example.fr", role=Role.DIRECTOR, scope=world.clinic.finess)
    event = AuditEvent.objects.get(action=Action.ROLE_CHANGE)
    assert event.target == "new@example.fr"
    assert event.establishment == world.clinic
    assert event.detail["change"] == "granted"
    assert event.detail["role"] == "director"
    # Granting the same role again changes nothing and records nothing.
    grant_role(email="new@example.fr", role=Role.DIRECTOR, scope=world.clinic.finess)
    assert AuditEvent.objects.filter(action=Action.ROLE_CHANGE).count() == 1


@pytest.mark.django_db
def test_role_granted_to_an_ars_is_filed_under_its_region(world):
    grant_role(email="ars2@example.fr", role=Role.ARS, scope="11")
    event = AuditEvent.objects.get(action=Action.ROLE_CHANGE)
    assert event.region_id == "11"
    assert event.establishment is None


@pytest.mark.django_db
def test_unknown_action_is_refused(world):
    with pytest.raises(ValueError, match="Unknown audit action"):
        record_event(actor=world.rssi, action="dance")


@pytest.mark.django_db
def test_event_without_establishment_falls_back_on_the_actor_region(world):
    event = record_event(actor=world.ars, action=Action.EXPORT, detail={"format": "csv"})
    assert event.region_id == "84"
    national_event = record_event(actor=world.national, action=Action.CAMPAIGN_OPEN)
    assert national_event.region_id is None


# --- Who reads it -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["rssi", "director", "ght_lead", "other_rssi"])
def test_establishment_and_ght_users_get_404(client, world, role):
    client.force_login(getattr(world, role))
    assert client.get(reverse("audit:list")).status_code == 404


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(reverse("audit:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_ars_reads_its_region_only(client, world):
    _event(world, world.hospital, target="Inside region")
    _event(world, world.nursing_home, target="Also inside")
    _event(world, world.other_hospital, target="Outside region")
    record_event(actor=None, action=Action.REGISTRY_IMPORT, region="84", target="Region event")
    record_event(actor=None, action=Action.REGISTRY_IMPORT, target="National event")
    client.force_login(world.ars)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    body = response.text
    assert "Inside region" in body and "Also inside" in body and "Region event" in body
    assert "Outside region" not in body
    assert "National event" not in body
    assert world.other_hospital.name not in body


@pytest.mark.django_db
def test_national_reads_everything(client, world):
    _event(world, world.hospital, target="Inside region")
    _event(world, world.other_hospital, target="Outside region")
    record_event(actor=None, action=Action.REGISTRY_IMPORT, target="National event")
    client.force_login(world.national)
    body = client.get(reverse("audit:list")).text
    assert "Inside region" in body and "Outside region" in body and "National event" in body
    assert "Journal d&#x27;audit" in body or "Journal d'audit" in body


@pytest.mark.django_db
def test_navigation_shows_the_log_to_ars_and_national_only(client, world):
    client.force_login(world.rssi)
    assert reverse("audit:list") not in client.get(reverse("home")).text
    client.force_login(world.ars)
    assert reverse("audit:list") in client.get(reverse("home")).text


# --- Filters and pages --------------------------------------------------------------------------


@pytest.mark.django_db
def test_filter_by_action_and_date(client, world):
    old = _event(world, world.hospital, action=Action.VALIDATION, target="Old validation")
    old.created_at = timezone.now() - datetime.timedelta(days=40)
    old.save()
    _event(world, world.hospital, action=Action.VALIDATION, target="Recent validation")
    _event(world, world.hospital, action=Action.EXPORT, target="Recent export")
    client.force_login(world.ars)
    body = client.get(reverse("audit:list"), {"action": "validation"}).text
    assert "Recent validation" in body and "Old validation" in body
    assert "Recent export" not in body
    since = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    body = client.get(reverse("audit:list"), {"action": "validation", "start": since}).text
    assert "Recent validation" in body
    assert "Old validation" not in body


@pytest.mark.django_db
def test_search_by_finess(client, world):
    _event(world, world.hospital, target="Hospital event")
    _event(world, world.clinic, target="Clinic event")
    client.force_login(world.ars)
    body = client.get(reverse("audit:list"), {"q": world.clinic.finess}).text
    assert "Clinic event" in body and "Hospital event" not in body


@pytest.mark.django_db
def test_bad_filters_give_a_clear_message(client, world):
    _event(world, world.hospital, target="Some event")
    client.force_login(world.ars)
    response = client.get(reverse("audit:list"), {"start": "2025-02-30"})
    assert response.status_code == 200
    assert "Saisissez une date valide." in response.text
    assert "Some event" not in response.text
    response = client.get(reverse("audit:list"), {"start": "2025-03-01", "end": "2025-02-01"})
    assert "La date de fin précède la date de début." in response.text
    response = client.get(reverse("audit:list"), {"action": "nonsense"})
    assert "Sélectionnez un choix valide" in response.text


@pytest.mark.django_db
def test_pagination_and_query_count(client, world, django_assert_max_num_queries):
    for n in range(120):
        _event(world, world.hospital, target=f"Event {n:03d}")
    client.force_login(world.ars)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("audit:list"))
    assert "Event 119" in first.text and "Event 069" not in first.text
    assert "Page 1 sur 3" in first.text
    third = client.get(reverse("audit:list"), {"page": 3})
    assert "Event 000" in third.text


@pytest.mark.django_db
def test_html_in_an_event_is_escaped(client, world):
    _event(world, world.hospital, target="<script>alert(1)</script>", detail={"c": "<b>x</b>"})
    client.force_login(world.national)
    body = client.get(reverse("audit:list")).text
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;b&gt;x&lt;/b&gt;" in body


# --- The admin ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_role_changes_are_recorded(client, world):
    admin = world.national
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    target = world.rssi
    url = reverse("admin:establishments_user_change", args=[target.pk])
    assignment = target.role_assignments.get()
    data = {
        "email": target.email,
        "first_name": target.first_name,
        "last_name": target.last_name,
        "is_active": "on",
        "is_staff": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "10:00:00",
        "role_assignments-TOTAL_FORMS": "2",
        "role_assignments-INITIAL_FORMS": "1",
        "role_assignments-MIN_NUM_FORMS": "0",
        "role_assignments-MAX_NUM_FORMS": "1000",
        "role_assignments-0-id": str(assignment.pk),
        "role_assignments-0-user": str(target.pk),
        "role_assignments-0-role": "rssi",
        "role_assignments-0-establishment": str(world.hospital.pk),
        "role_assignments-0-DELETE": "on",
        "role_assignments-1-user": str(target.pk),
        "role_assignments-1-role": "director",
        "role_assignments-1-establishment": str(world.clinic.pk),
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    events = AuditEvent.objects.filter(action=Action.ROLE_CHANGE).order_by("pk")
    changes = [(e.detail["change"], e.detail.get("role"), e.establishment) for e in events]
    assert ("account_rights", None, None) in changes
    assert ("revoked", "rssi", world.hospital) in changes
    assert ("granted", "director", world.clinic) in changes
    assert all(e.actor == admin for e in events)


@pytest.mark.django_db
def test_admin_cannot_edit_or_delete_events(client, world):
    admin = world.national
    admin.is_staff = admin.is_superuser = True
    admin.save()
    event = _event(world, world.hospital)
    client.force_login(admin)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    delete = client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# --- Events recorded by other features ----------------------------------------------------------


@pytest.mark.django_db
def test_dashboard_exports_are_recorded(client, world):
    from tests.campaigns import build_campaign

    build_campaign(world)
    client.force_login(world.ars)
    response = client.get(reverse("dashboards:region_export", args=["84"]), {"format": "csv"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.actor == world.ars
    assert event.region_id == "84"
    assert event.detail["format"] == "csv"
    # The other region's ARS does not see it; the national level does.
    assert event in AuditEvent.objects.for_user(world.national)
    assert event not in AuditEvent.objects.for_user(world.other_ars)


@pytest.mark.django_db
def test_pdf_report_downloads_are_recorded(client, world):
    from tests.campaigns import build_campaign

    campaign = build_campaign(world)
    client.force_login(world.director)
    response = client.get(reverse("reports:assessment-report", args=[campaign.hospital.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.establishment == world.hospital
    assert event.detail == {"format": "pdf", "report": "gaps", "year": 2025}
    assert event in AuditEvent.objects.for_user(world.ars)


@pytest.mark.django_db
def test_referential_loads_and_registry_imports_are_recorded(world, tmp_path):
    from referential.loader import load_referential_file

    load_referential_file("fixtures/referential/care-2025.yaml")
    load_referential_file("fixtures/referential/care-2025.yaml")  # unchanged: nothing recorded
    event = AuditEvent.objects.get(action=Action.REFERENTIAL_LOAD)
    assert event.target == "CARE v1" and event.detail["outcome"] == "created"

    from establishments.services import import_ght

    ght_file = tmp_path / "ght.csv"
    ght_file.write_text(
        "code_ght;nom_ght;code_region;finess_ej;support\n"
        f"GHT-RHONE;GHT Rhône Centre;84;{world.hospital.finess_ej};oui\n",
        encoding="utf-8",
    )
    import_ght(path=ght_file)
    event = AuditEvent.objects.get(action=Action.REGISTRY_IMPORT)
    assert event.target == "ght.csv" and event.detail["file"] == "ght"
    assert event.region_id is None  # national users only


@pytest.mark.django_db
def test_bulk_report_requests_are_recorded(world):
    from followup.services import request_bulk_report
    from tests.campaigns import build_campaign

    campaign = build_campaign(world)
    request_bulk_report(
        requester=world.ars,
        region=world.region,
        campaign=campaign.campaign,
        establishments=[world.hospital, world.clinic],
    )
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.region_id == "84" and event.detail["count"] == 2
