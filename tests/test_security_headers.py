"""Hardened deployment: `check --deploy` with production settings, the CSP and security headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.html_checks import csp_nonce, csp_problems

ROOT = Path(__file__).resolve().parents[1]


def test_production_settings_pass_the_deployment_checks():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CARE_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="care.example.fr",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://care.example.fr",
        DATABASE_URL="postgres://care@127.0.0.1:5432/care",
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_ENV"] = "production"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required in production." in result.stderr


def test_production_refuses_to_start_without_a_database_url():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(DJANGO_ENV="production", DJANGO_SECRET_KEY=secrets.token_urlsafe(64))
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL is required in production" in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_nonce_policy_they_respect(client, world):
    client.force_login(world.ars)
    for url in [
        reverse("home"),
        reverse("establishments:list"),
        reverse("establishments:detail", args=[world.hospital.finess]),
        reverse("audit:list"),
        reverse("accounts:security"),
        reverse("accounts:setup"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in policy
        assert "'unsafe-inline'" not in policy
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
        nonce = csp_nonce(response)
        assert f'nonce="{nonce}"' in response.text  # the DSFR scripts carry it
        assert csp_problems(response) == [], url


@pytest.mark.django_db
def test_sign_in_pages_respect_the_policy(unverified_client, world):
    response = unverified_client.get(reverse("login"))
    assert csp_problems(response) == []
    unverified_client.post(
        reverse("login"), {"username": world.ars.email, "password": "correct-horse-battery"}
    )
    response = unverified_client.get(reverse("accounts:setup"))
    assert response.status_code == 200
    assert csp_problems(response) == []


@pytest.mark.django_db
def test_each_request_gets_a_new_nonce(client, world):
    client.force_login(world.rssi)
    first, second = client.get(reverse("home")), client.get(reverse("home"))
    assert csp_nonce(first) and csp_nonce(first) != csp_nonce(second)


def test_the_checker_catches_what_the_policy_blocks():
    class Fake:
        headers = {"Content-Security-Policy": "script-src 'self' 'nonce-abc'"}
        content = (
            b'<script nonce="abc">ok()</script><script>bad()</script>'
            b'<p style="color:red" onclick="x()"><a href="javascript:x()">x</a></p>'
        )

    problems = csp_problems(Fake())
    assert len(problems) == 4


@pytest.mark.django_db
def test_only_the_admin_may_use_inline_styles(admin_client):
    response = admin_client.get(reverse("admin:establishments_region_changelist"))
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self'" in policy and "script-src 'self' 'unsafe-inline'" not in policy


@pytest.mark.django_db
def test_security_headers(client, world):
    client.force_login(world.rssi)
    response = client.get(reverse("home"))
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
