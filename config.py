"""Configuration classes; every setting can come from an ``EDU_``-prefixed environment variable.

The embedded defaults (SQLite, file-system storage, on-disk Whoosh index under ``EDU_DATA_DIR``)
let one command run everything on a laptop; production points the same settings at PostgreSQL,
MinIO and a shared index directory.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

BASE_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    DATA_DIR = _env("EDU_DATA_DIR", str(BASE_DIR / "data"))

    #: None means "derive from DATA_DIR" (see finalize_settings), so tests can move DATA_DIR alone.
    SQLALCHEMY_DATABASE_URI = _env("EDU_DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}

    # Storage: "file" (default, under DATA_DIR/objects) or "minio".
    STORAGE_BACKEND = _env("EDU_STORAGE", "file")
    STORAGE_DIR = _env("EDU_STORAGE_DIR")
    MINIO_ENDPOINT = _env("MINIO_ENDPOINT", "127.0.0.1:9000")
    MINIO_ACCESS_KEY = _env("MINIO_ACCESS_KEY")
    MINIO_SECRET_KEY = _env("MINIO_SECRET_KEY")
    MINIO_BUCKET = _env("MINIO_BUCKET", "eduplatform")
    MINIO_SECURE = _env_bool("MINIO_SECURE", False)
    MINIO_REGION = _env("MINIO_REGION")
    #: Multipart part size: an upload holds about three parts in memory at once (8 MiB keeps a
    #: streamed upload's memory growth well under 64 MB; S3 allows 10,000 parts, i.e. 80 GB).
    MINIO_PART_SIZE = _env_int("MINIO_PART_SIZE", 8 * 1024**2)
    # 公文用印: a folder per unit (key.pem, cert.pem, chain.pem), the key's password, and the roots
    # the verification page trusts (a directory of PEM files). See eduplatform/documents/sealing.
    DOC_CERT_DIR = _env("EDU_DOC_CERT_DIR")
    DOC_CERT_PASSWORD = _env("EDU_DOC_CERT_PASSWORD")
    DOC_TRUST_ROOTS = _env("EDU_DOC_TRUST_ROOTS")
    #: Largest single upload accepted anywhere, in bytes (domains may set lower limits).
    MAX_UPLOAD_BYTES = _env_int("EDU_MAX_UPLOAD_BYTES", 2 * 1024**3)
    #: `flask check` lists temp files / incomplete multipart uploads older than this (hours) as
    #: stale, and `flask check --repair` removes them (a killed upload leaves one behind).
    STORAGE_STALE_TEMP_HOURS = _env_int("EDU_STORAGE_STALE_TEMP_HOURS", 24)
    #: The archive inspector (eduplatform/core/storage/inspect.py), for every ZIP-based upload or import;
    #: SCORM, offline packages and the question/Excel imports set tighter or looser limits of their own.
    ARCHIVE_MAX_ENTRIES = _env_int("EDU_ARCHIVE_MAX_ENTRIES", 20_000)
    ARCHIVE_MAX_EXPANDED_BYTES = _env_int("EDU_ARCHIVE_MAX_EXPANDED_BYTES", 1024**3)
    #: Uncompressed / compressed, for each entry above 1 MiB and for the whole archive.
    ARCHIVE_MAX_RATIO = _env_int("EDU_ARCHIVE_MAX_RATIO", 200)
    #: Archives inside archives (a DOCX embedding an XLSX is depth 1).
    ARCHIVE_MAX_DEPTH = _env_int("EDU_ARCHIVE_MAX_DEPTH", 2)

    SEARCH_INDEX_DIR = _env("EDU_SEARCH_DIR")
    #: ``whoosh`` (default: an index directory on this host) or ``postgres`` (tables in the
    #: platform's PostgreSQL database, shared by every node; refused on SQLite).
    SEARCH_BACKEND = _env("EDU_SEARCH", "whoosh")
    #: Connections the PostgreSQL search backend keeps per process (as many again may overflow).
    SEARCH_POOL_SIZE = _env_int("EDU_SEARCH_POOL_SIZE", 5)

    # Sessions and cookies.
    SESSION_COOKIE_NAME = "edu_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("EDU_SECURE_COOKIES", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: Idle timeout: a session unused this long must log in again (DHIS2 uses 3600 s).
    SESSION_IDLE_SECONDS = _env_int("EDU_SESSION_IDLE_SECONDS", 3600)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which has its own timeout

    # Password and lock-out policy. Defaults follow 等保2.0 level 3; see README for the ASVS view.
    PASSWORD_MIN_LENGTH = _env_int("EDU_PASSWORD_MIN_LENGTH", 8)
    #: How many of the four classes (lower, upper, digit, symbol) a password must mix.
    PASSWORD_MIN_CLASSES = _env_int("EDU_PASSWORD_MIN_CLASSES", 3)
    #: Days before a password must be changed; 0 turns periodic change off.
    PASSWORD_MAX_AGE_DAYS = _env_int("EDU_PASSWORD_MAX_AGE_DAYS", 90)
    LOGIN_MAX_FAILURES = _env_int("EDU_LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCK_MINUTES = _env_int("EDU_LOGIN_LOCK_MINUTES", 15)
    #: Throttling per client address across all accounts (ASVS V2.2): this many failures within
    #: the window refuse further attempts from that address for the lock time. A school's whole
    #: staff may share one NAT address, hence a limit well above one person's typing errors.
    LOGIN_ADDRESS_MAX_FAILURES = _env_int("EDU_LOGIN_ADDRESS_MAX_FAILURES", 50)
    LOGIN_ADDRESS_WINDOW_MINUTES = _env_int("EDU_LOGIN_ADDRESS_WINDOW_MINUTES", 15)
    LOGIN_ADDRESS_LOCK_MINUTES = _env_int("EDU_LOGIN_ADDRESS_LOCK_MINUTES", 15)
    #: werkzeug hash method for new passwords (and the dummy hash that equalises login timing).
    PASSWORD_HASH_METHOD = _env("EDU_PASSWORD_HASH_METHOD", "scrypt")
    API_TOKEN_HOURS = _env_int("EDU_API_TOKEN_HOURS", 12)
    #: Days audit entries are kept before they may be archived; never below 180 (网络安全法 Art. 21).
    AUDIT_RETENTION_DAYS = _env_int("EDU_AUDIT_RETENTION_DAYS", 180)
    #: Key of the audit chain's and archives' HMACs; derived from SECRET_KEY when unset.
    AUDIT_KEY = _env("EDU_AUDIT_KEY")
    #: Seal new audit entries into the chain right after each commit (else only by `flask audit-seal`).
    AUDIT_SEAL_AFTER_COMMIT = _env_bool("EDU_AUDIT_SEAL_AFTER_COMMIT", True)
    #: A process seals after commit at most this often (seconds); the entries between wait for the next.
    AUDIT_SEAL_INTERVAL_SECONDS = float(_env("EDU_AUDIT_SEAL_INTERVAL_SECONDS", "1"))

    #: How many reverse proxies in front append to X-Forwarded-For (ProxyFix). 0: the client
    #: address is the socket's peer and X-Forwarded-For is ignored — a client could forge it.
    TRUSTED_PROXY_COUNT = _env_int("EDU_TRUSTED_PROXIES", 0)

    #: 公文 faces (GB/T 9704): paths of the bureau's licensed TrueType files (.ttf, or .ttc as
    #: ``path#index``), e.g. 方正仿宋_GBK for 仿宋 and 方正小标宋简体 for 小标宋. Unset: free substitutes
    #: (AR PL KaitiM GB for 仿宋/楷体, AR PL UMing for 小标宋/宋体, WenQuanYi Micro Hei for 黑体) —
    #: see eduplatform/documents/layout/fonts.py.
    DOC_FONT_FANGSONG = _env("EDU_DOC_FONT_FANGSONG")
    DOC_FONT_XIAOBIAOSONG = _env("EDU_DOC_FONT_XIAOBIAOSONG")
    DOC_FONT_HEITI = _env("EDU_DOC_FONT_HEITI")
    DOC_FONT_KAITI = _env("EDU_DOC_FONT_KAITI")
    DOC_FONT_SONGTI = _env("EDU_DOC_FONT_SONGTI")

    #: 门户 node: ``single`` (one platform serves staff and the public), ``inside`` (the bureau's
    #: platform in the 政务内网) or ``outside`` (the public site alone in the 政务外网); inside and
    #: outside exchange signed packages through the ferry's two directories (eduplatform/portal/README.md).
    PORTAL_NODE = _env("EDU_PORTAL_NODE", "single")
    PORTAL_FERRY_OUTBOX = _env("EDU_PORTAL_FERRY_OUTBOX")
    PORTAL_FERRY_INBOX = _env("EDU_PORTAL_FERRY_INBOX")
    #: HMAC-SHA256 keys: OUT signs 内网→外网 packages, IN signs 外网→内网; both nodes hold both.
    PORTAL_FERRY_KEY_OUT = _env("EDU_PORTAL_FERRY_KEY_OUT")
    PORTAL_FERRY_KEY_IN = _env("EDU_PORTAL_FERRY_KEY_IN")
    PORTAL_FERRY_MAX_BYTES = _env_int("EDU_PORTAL_FERRY_MAX_BYTES", 2 * 1024**3)

    # 统一身份认证 (OpenID Connect, eduplatform/accounts/sso.py): on when the issuer is set.
    SSO_ISSUER = _env("EDU_SSO_ISSUER")
    SSO_CLIENT_ID = _env("EDU_SSO_CLIENT_ID")
    SSO_CLIENT_SECRET = _env("EDU_SSO_CLIENT_SECRET")
    SSO_SCOPE = _env("EDU_SSO_SCOPE", "openid profile")
    #: How the client authenticates at the token endpoint (client_secret_basic / client_secret_post).
    SSO_TOKEN_AUTH_METHOD = _env("EDU_SSO_TOKEN_AUTH_METHOD", "client_secret_basic")
    #: Which claims carry the 工号, the 学籍号 and the 居民身份证号 (unset: that kind is not mapped).
    SSO_CLAIM_STAFF_NO = _env("EDU_SSO_CLAIM_STAFF_NO")
    SSO_CLAIM_REGISTRY_NO = _env("EDU_SSO_CLAIM_REGISTRY_NO")
    SSO_CLAIM_ID_NUMBER = _env("EDU_SSO_CLAIM_ID_NUMBER")
    #: A claim naming the school (its 机构代码 or 学校标识码): narrows a 工号 to that school.
    SSO_CLAIM_SCHOOL = _env("EDU_SSO_CLAIM_SCHOOL")
    #: Key of the HMAC the ID numbers are compared under (users.id_number_hash); keep it secret.
    SSO_ID_HASH_KEY = _env("EDU_SSO_ID_HASH_KEY")
    SSO_BUTTON_LABEL = _env("EDU_SSO_BUTTON_LABEL", "统一身份认证登录")
    #: The origin of the provider's end_session_endpoint when it is not the issuer's (CSP form-action).
    SSO_END_SESSION_ORIGIN = _env("EDU_SSO_END_SESSION_ORIGIN")
    SSO_TIMEOUT_SECONDS = _env_int("EDU_SSO_TIMEOUT_SECONDS", 10)

    # --- several app nodes (README "Running on several machines") ---
    #: Redis for what every node must see at once: lock-out counters, address throttles, rate
    #: limits (core.sharedstate). Unset: those stay in the database (one host, `make run`).
    REDIS_URL = _env("EDU_REDIS_URL")
    REDIS_PREFIX = _env("EDU_REDIS_PREFIX", "edu:")
    #: How a large stored file leaves: "none" (streamed by the app, Range/ETag), "x-accel" (nginx
    #: sends it from DOWNLOAD_ACCEL_PREFIX, file storage), "presigned" (a redirect to a short-lived
    #: object-store URL, MinIO/S3 storage). Files below DOWNLOAD_OFFLOAD_MIN_BYTES always stream.
    DOWNLOAD_OFFLOAD = _env("EDU_DOWNLOAD_OFFLOAD", "none")
    DOWNLOAD_OFFLOAD_MIN_BYTES = _env_int("EDU_DOWNLOAD_OFFLOAD_MIN_BYTES", 1024**2)
    DOWNLOAD_ACCEL_PREFIX = _env("EDU_DOWNLOAD_ACCEL_PREFIX", "/_protected/")
    DOWNLOAD_PRESIGNED_SECONDS = _env_int("EDU_DOWNLOAD_PRESIGNED_SECONDS", 300)
    #: /metrics (Prometheus): answered to loopback clients, or to "Authorization: Bearer <token>"
    #: when METRICS_TOKEN is set; METRICS_ALLOW_LOOPBACK=0 requires the token from everyone.
    METRICS_TOKEN = _env("EDU_METRICS_TOKEN")
    METRICS_ALLOW_LOOPBACK = _env_bool("EDU_METRICS_ALLOW_LOOPBACK", True)

    # Background jobs (eduplatform/core/jobs): Redis in production; else kombu's SQLAlchemy transport
    # over a SQLite file in the data dir (no server). ``celery`` sends jobs to the workers
    # (`flask jobs worker`); ``manual`` (tests) leaves them for ``run_queued`` / `flask jobs run`.
    JOBS_BROKER_URL = _env("CELERY_BROKER_URL") or _env("EDU_REDIS_URL")
    JOBS_DISPATCH = _env("EDU_JOBS_DISPATCH", "celery")
    #: A running job whose worker has not renewed its lease this long is taken over (worker killed).
    JOBS_LEASE_SECONDS = _env_int("EDU_JOBS_LEASE_SECONDS", 300)
    #: Redis: an unacknowledged message is given to another worker after this long.
    JOBS_VISIBILITY_TIMEOUT = _env_int("EDU_JOBS_VISIBILITY_TIMEOUT", 3600)
    #: Redis: seconds between a worker's sweeps for such messages, and every how many sweeps it scans.
    JOBS_REDIS_RESTORE_INTERVAL = _env_int("EDU_JOBS_REDIS_RESTORE_INTERVAL", 10)
    JOBS_REDIS_RESTORE_THROTTLE = _env_int("EDU_JOBS_REDIS_RESTORE_THROTTLE", 10)
    #: Retries wait base · 2^(attempt−1) seconds, at most the maximum.
    JOBS_RETRY_BASE_SECONDS = _env_int("EDU_JOBS_RETRY_BASE_SECONDS", 30)
    JOBS_RETRY_MAX_SECONDS = _env_int("EDU_JOBS_RETRY_MAX_SECONDS", 3600)
    JOBS_SCHEDULER_INTERVAL = _env_int("EDU_JOBS_SCHEDULER_INTERVAL", 15)
    #: How often the periodic jobs run (seconds).
    JOBS_WORKFLOW_TICK_SECONDS = _env_int("EDU_JOBS_WORKFLOW_TICK_SECONDS", 300)
    JOBS_RESOURCE_SWEEP_SECONDS = _env_int("EDU_JOBS_RESOURCE_SWEEP_SECONDS", 60)
    #: Finished jobs are removed after this many days (users' with their files; the scheduler's own).
    JOBS_KEEP_DAYS = _env_int("EDU_JOBS_KEEP_DAYS", 30)
    JOBS_KEEP_SYSTEM_DAYS = _env_int("EDU_JOBS_KEEP_SYSTEM_DAYS", 7)

    API_DEFAULT_PER_PAGE = 20
    API_MAX_PER_PAGE = 100

    SECRET_KEY = _env("SECRET_KEY")
    TESTING = False
    DEBUG = False


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False  # the reloader is not needed for the demo; `flask run --debug` turns it on


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    JOBS_DISPATCH = _env("EDU_JOBS_DISPATCH", "manual")
    PASSWORD_MAX_AGE_DAYS = 90


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _env_bool("EDU_SECURE_COOKIES", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> type[Config]:
    return CONFIGS[name or _env("EDU_ENV", "development")]


def finalize_settings(settings: dict) -> None:
    """Derive the paths left unset from DATA_DIR, then make sure there is a secret key."""
    data_dir = Path(settings["DATA_DIR"]).resolve()
    settings["DATA_DIR"] = data_dir
    if not settings.get("SQLALCHEMY_DATABASE_URI"):
        data_dir.mkdir(parents=True, exist_ok=True)
        settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{data_dir / 'eduplatform.db'}"
    settings["STORAGE_DIR"] = Path(settings.get("STORAGE_DIR") or data_dir / "objects")
    settings["SEARCH_INDEX_DIR"] = Path(settings.get("SEARCH_INDEX_DIR") or data_dir / "search")
    if settings.get("ENV_NAME") == "development":
        # 用印 on a laptop: the demo seed makes a self-made root and the demo bureau's certificate here
        settings["DOC_CERT_DIR"] = settings.get("DOC_CERT_DIR") or str(data_dir / "doc-certs" / "units")
        settings["DOC_TRUST_ROOTS"] = settings.get("DOC_TRUST_ROOTS") or str(data_dir / "doc-certs" / "roots")
    ensure_secret_key(settings)


def ensure_secret_key(settings: dict) -> None:
    """Fill SECRET_KEY: generated once and kept under the data dir in development; required otherwise."""
    if settings.get("SECRET_KEY"):
        return
    if settings.get("ENV_NAME") == "production":
        raise RuntimeError("生产环境必须设置 SECRET_KEY 环境变量 (SECRET_KEY is required in production)")
    key_file = Path(settings["DATA_DIR"]) / "secret_key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        # O_EXCL: two processes starting at once must not each write a different key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        except FileExistsError:
            pass
    settings["SECRET_KEY"] = key_file.read_text().strip()
