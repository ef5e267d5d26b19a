"""Settings of the CaRE portal, read from the environment.

`DJANGO_ENV=production` turns on the hardened settings; anything else is development, where the
portal runs on an embedded SQLite database with no set-up.
"""

import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from care_portal.env import env_bool, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT = env_str("DJANGO_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required in production.")
    SECRET_KEY = "development-only-insecure-key-never-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "dsfr",
    "widget_tweaks",
    "crispy_forms",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "establishments",
    "referential",
    "assessments",
    "actions",
    "funding",
    "dashboards",
    "audit",
    "accounts",
    # Before django_tasks_db: its `db_worker` command is the one that recovers lost tasks.
    "care_portal",
    "django_tasks",
    "django_tasks_db",
    "followup",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "care_portal.request_log.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "care_portal.headers.SecurityHeadersMiddleware",
    "care_portal.db_router.ReplicaPinMiddleware",
    "care_portal.headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "care_portal.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "care_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "care_portal.context_processors.navigation",
            ],
            "builtins": ["care_portal.template_formats"],
        },
    },
]

WSGI_APPLICATION = "care_portal.wsgi.application"

DATABASE_URL = env_str("DATABASE_URL", "")
if PRODUCTION and not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is required in production (postgres://user:password@host:5432/name); "
        "the embedded SQLite database is for development only."
    )
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60 if PRODUCTION else 0,
    )
}
# DATABASE_POOL=1: each process keeps a pool of PostgreSQL connections (Django's psycopg pool,
# package psycopg-pool) instead of one persistent connection per thread.
DATABASE_POOL = env_bool("DATABASE_POOL", False)


def _pooled(database: Any) -> Any:
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_POOL works with PostgreSQL only (postgres://…).")
    database["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    database.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2),
        "max_size": env_int("DATABASE_POOL_MAX_SIZE", 10),
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
    }
    return database


if DATABASE_POOL:
    _pooled(DATABASES["default"])
# DATABASE_PREPARED (on by default): PostgreSQL receives each query's values apart from its SQL
# and plans a statement once per connection after its second run (a prepared statement), where
# it planned it on every run: a save spent a third of its database time planning. Off (0) behind
# a pooler in transaction mode that does not keep prepared statements (PgBouncer before 1.21).
DATABASE_PREPARED = env_bool("DATABASE_PREPARED", True)
# How many prepared statements a connection keeps (the least recently run dropped beyond).
DATABASE_PREPARED_MAX = env_int("DATABASE_PREPARED_MAX", 500)


def _prepared(database: Any) -> Any:
    if DATABASE_PREPARED and database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
    return database


_prepared(DATABASES["default"])
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Each transaction takes SQLite's write lock when it starts, and a second writer waits for it
    # (up to 20 s) instead of failing with "database is locked"; it then reads the saved version.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        **DATABASES["default"].get("OPTIONS", {}),
    }
# Optional read replica (README, "Several machines"): dashboards, lists and exports read from it;
# writes, the rest of a request after a write, and a person's requests for
# CARE_REPLICA_PIN_SECONDS after their own write stay on the primary (care_portal.db_router).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    _prepared(DATABASES["replica"])
    if DATABASE_POOL:
        _pooled(DATABASES["replica"])
DATABASE_ROUTERS = ["care_portal.db_router.PrimaryReplicaRouter"]
CARE_REPLICA_PIN_SECONDS = env_int("CARE_REPLICA_PIN_SECONDS", 15)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache: in each process's memory by default; with CARE_CACHE_URL (redis://host:6379/0) a
# Redis server shared by every web node and worker (the compiled referentials' version keys,
# the API throttling counters, the sessions' cached copies).
CARE_CACHE_URL = env_str("CARE_CACHE_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CARE_CACHE_URL,
            "KEY_PREFIX": env_str("CARE_CACHE_PREFIX", "care"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        if CARE_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_USER_MODEL = "establishments.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses to even check the password of an account locked after repeated failures.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id first (accounts.hashers); the PBKDF2 and scrypt hashes of earlier accounts still
# verify and are rewritten as Argon2id at their next sign-in.
PASSWORD_HASHERS = [
    "accounts.hashers.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end when the browser closes, and at most CARE_SESSION_HOURS after sign-in however
# active the person is (accounts.middleware.SessionLifetimeMiddleware).
SESSION_COOKIE_AGE = env_int("CARE_SESSION_HOURS", 8) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions live in the database (every node sees them); with a shared cache, also in the cache.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CARE_CACHE_URL
    else "django.contrib.sessions.backends.db"
)

# Content Security Policy (django-csp): scripts and styles only from the portal itself, and inline
# ones only with the per-request nonce (`request.csp_nonce`, passed to `dsfr_js`). DSFR's CSS uses
# data: images for some icons. Templates must not use inline `style=` or `on…=` attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Second factor (django-otp): authenticator applications and single-use recovery codes.
OTP_TOTP_ISSUER = "Portail CaRE"

# Sign-in through OpenID Connect identity providers (accounts.oidc): ProConnect and Pro Santé
# Connect. A provider is offered on the sign-in page only when its CLIENT_ID is set; the README
# lists the variables (PROCONNECT_… and PRO_SANTE_CONNECT_…) and their defaults.
_OIDC_VARIABLES = {
    "DISCOVERY_URL": "discovery_url",
    "CLIENT_ID": "client_id",
    "CLIENT_SECRET": "client_secret",
    "SCOPES": "scopes",
    "ACR_VALUES": "acr_values",
    "TWO_FACTOR_ACR": "two_factor_acr",
    "TWO_FACTOR_AMR": "two_factor_amr",
    "SIGN_ALGO": "sign_algo",
}
CARE_OIDC_PROVIDERS = {
    slug: {
        key: env_str(f"{prefix}_{name}", "")
        for name, key in _OIDC_VARIABLES.items()
        if env_str(f"{prefix}_{name}", "")
    }
    for slug, prefix in (("proconnect", "PROCONNECT"), ("prosanteconnect", "PRO_SANTE_CONNECT"))
    if env_str(f"{prefix}_CLIENT_ID", "")
}
for _slug, _config in CARE_OIDC_PROVIDERS.items():
    if not (_config.get("discovery_url") and _config.get("client_secret")):
        raise ImproperlyConfigured(
            f"OpenID Connect provider {_slug}: its DISCOVERY_URL and CLIENT_SECRET are required "
            "with its CLIENT_ID."
        )

# Sign-in throttling (django-axes, accounts.lockout): after AXES_FAILURE_LIMIT failures for one
# account from one address, that pair is locked for the cool-off time; so is an address after
# CARE_SIGN_IN_ADDRESS_FAILURE_LIMIT failures on any accounts, and an account after
# CARE_SIGN_IN_ACCOUNT_FAILURE_LIMIT failures from any addresses. Behind a reverse proxy, set
# CARE_CLIENT_IP_HEADER to the header it fills with the client's address (e.g. HTTP_X_REAL_IP).
CARE_CLIENT_IP_HEADER = env_str("CARE_CLIENT_IP_HEADER", "")
AXES_FAILURE_LIMIT = env_int("CARE_SIGN_IN_FAILURE_LIMIT", 5)
CARE_SIGN_IN_ADDRESS_FAILURE_LIMIT = env_int("CARE_SIGN_IN_ADDRESS_FAILURE_LIMIT", 30)
CARE_SIGN_IN_ACCOUNT_FAILURE_LIMIT = env_int("CARE_SIGN_IN_ACCOUNT_FAILURE_LIMIT", 15)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CARE_SIGN_IN_LOCK_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_HANDLER = "accounts.lockout.SignInAttemptHandler"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.lockout.attempted_username"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.attempt_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Until `collectstatic` runs, whitenoise serves files through the finders (development, tests).
WHITENOISE_USE_FINDERS = not PRODUCTION
warnings.filterwarnings("ignore", message="No directory at")
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded files (evidence, bulk report ZIPs) in S3-compatible object storage when CARE_S3_BUCKET
# is set: a private bucket (no ACL given, the bucket's own policy applies), served only through
# the portal's scoped views; any URL the storage would make is signed and short-lived.
CARE_S3_BUCKET = env_str("CARE_S3_BUCKET", "")
if CARE_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": CARE_S3_BUCKET,
            "endpoint_url": env_str("CARE_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("CARE_S3_REGION", "") or None,
            "access_key": env_str("CARE_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("CARE_S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("CARE_S3_PREFIX", ""),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
        },
    }
# Stored PDF reports get their own alias ("reports": `django.core.files.storage.storages`), in
# the same place as the other files unless it is set apart later.
STORAGES["reports"] = dict(STORAGES["default"])
# Uploaded evidence lives outside the web root and is only served through a scoped view.
MEDIA_ROOT = Path(env_str("CARE_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# The PDF reports of transmitted assessments (reports.stored): beside the uploads.
STORAGES["reports"] = STORAGES["default"]
# No route serves this prefix: evidence files go out only through the scoped download view.
MEDIA_URL = "/media/"
# Messages and DSFR components escape their text: messages may quote what people typed or
# the names of files they uploaded.
DSFR_CONTENT_IS_SAFE = False
# Largest evidence file accepted (bytes).
CARE_EVIDENCE_MAX_BYTES = env_int("CARE_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
# Request bodies: form fields and API JSON bodies are refused beyond the first size (bytes);
# uploaded files beyond the second go to a temporary file rather than memory. Whole bodies are
# capped before they reach the portal by the reverse proxy (README, "Production").
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CARE_DATA_UPLOAD_MAX_BYTES", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("CARE_FILE_UPLOAD_MEMORY_BYTES", 2_621_440)

# API tokens: first, so that a call without credentials answers 401 with WWW-Authenticate.
# Throttling counts requests per service token, per person, or per address when anonymous
# (CARE_API_RATE_SERVICE / _USER / _ANON, "N/second|minute|hour|day"; "none" turns it off).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.APITokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.ServiceTokenWriteAllowed",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttling.APIRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "service": env_rate("CARE_API_RATE_SERVICE", "1200/minute"),
        "user": env_rate("CARE_API_RATE_USER", "1200/minute"),
        "anon": env_rate("CARE_API_RATE_ANON", "120/minute"),
    },
    "EXCEPTION_HANDLER": "care_portal.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "care_portal.parsers.JSONBodyParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API du portail CaRE",
    "DESCRIPTION": "Établissements, référentiel CaRE et auto-évaluations, dans le périmètre de l'appelant.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema lists every endpoint and field: for signed-in callers only, like the API.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Errors every endpoint may answer (401, 403, 404, 429…), added to each operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "care_portal.api_schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ReferentialStatusEnum": "referential.models.ReferentialVersion.Status",
        "AssessmentStatusEnum": "assessments.models.Assessment.Status",
        "CandidacyStageEnum": "funding.models.Candidacy.Stage",
        "ActionStatusEnum": "actions.models.Action.Status",
    },
}

# Forms are laid out with crispy-forms and rendered in DSFR markup by the project's own pack.
CRISPY_TEMPLATE_PACK = "dsfr_crispy"
CRISPY_ALLOWED_TEMPLATE_PACKS = ("dsfr_crispy",)

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "portail-care@localhost")

# Background work (bulk PDF reports, reminders, relaunch e-mails): queued in the database and run
# by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Several nodes (care_portal.runs): each worker renews its heartbeat every few seconds; a task
# still running under a worker silent for CARE_WORKER_LOST_SECONDS goes back to the queue, at
# most CARE_TASK_MAX_ATTEMPTS times in all. A periodic command's run lock expires
# CARE_RUN_LOCK_SECONDS after its holder stopped renewing it.
CARE_WORKER_HEARTBEAT_SECONDS = env_int("CARE_WORKER_HEARTBEAT_SECONDS", 10)
CARE_WORKER_LOST_SECONDS = env_int("CARE_WORKER_LOST_SECONDS", 60)
CARE_TASK_MAX_ATTEMPTS = env_int("CARE_TASK_MAX_ATTEMPTS", 3)
CARE_RUN_LOCK_SECONDS = env_int("CARE_RUN_LOCK_SECONDS", 300)
# The address of the portal as people reach it, for the links in e-mails.
CARE_BASE_URL = env_str("CARE_BASE_URL", "http://127.0.0.1:8000")
# How long a bulk PDF report stays downloadable, and how many reports one request may hold.
CARE_BULK_REPORT_DAYS = 3
CARE_BULK_REPORT_MAX = 500

# The legal pages (« Mentions légales », « Données personnelles ») state these facts of the
# deployment as its operator gives them; one left empty reads « à compléter par l'exploitant ».
CARE_LEGAL = {
    "publisher": env_str("CARE_LEGAL_PUBLISHER", ""),
    "publication_director": env_str("CARE_LEGAL_PUBLICATION_DIRECTOR", ""),
    "host": env_str("CARE_LEGAL_HOST", ""),
    "contact": env_str("CARE_LEGAL_CONTACT", ""),
    "dpo": env_str("CARE_LEGAL_DPO", ""),
    "legal_act": env_str("CARE_LEGAL_ACT", ""),
    "retention_accounts": env_str("CARE_RETENTION_ACCOUNTS", ""),
    "retention_audit": env_str("CARE_RETENTION_AUDIT", ""),
    "retention_assessments": env_str("CARE_RETENTION_ASSESSMENTS", ""),
}

# One console handler, on the root logger. Django's own "django" logger gets no handler of its
# own (its default one would print every record a second time) and passes its records up.
# CARE_LOG_FORMAT=json: every record is one JSON line with the request id, and each request is
# logged once answered (care_portal.request_log).
LOG_LEVEL = env_str("DJANGO_LOG_LEVEL", "WARNING")
LOG_FORMAT = env_str("CARE_LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("CARE_LOG_FORMAT must be 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "care_portal.request_log.RequestIdFilter"}},
    "formatters": {"json": {"()": "care_portal.request_log.JSONFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "care_portal.requests": {"level": "INFO" if LOG_FORMAT == "json" else LOG_LEVEL},
    },
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # The browsable API's pages use inline scripts the policy refuses: production speaks JSON only.
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]
