"""Database engine, session factory and declarative base.

Sessions are synchronous: the workload is small CRUD, FastAPI runs sync dependencies and routes in
its threadpool, and the same code serves the CLIs (seed, invite, migrate) and tests without an
event loop. Engines are created lazily (never at import) and cached per URL.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, MetaData, create_engine, event, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from backend.core.settings import Settings

logger = logging.getLogger(__name__)

# Stable constraint names so that migrations can drop/alter them on every backend (SQLite too).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, and let SQLAlchemy (not pysqlite) control transactions.

    pysqlite's own transaction handling breaks SAVEPOINTs, which the tests and nested business
    operations rely on; the documented fix is to disable it and emit BEGIN ourselves.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Concurrent chats write at once (sessions, role switches, operations): WAL lets readers
        # go on during a write, and a writer waits for the lock instead of failing at once.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front (waiting up to busy_timeout). A deferred
        # transaction that reads and then writes fails at once with "database is locked" when
        # another connection committed in between, whatever the timeout (SQLITE_BUSY_SNAPSHOT
        # under WAL): concurrent role switches of different users hit it under load.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_db_engine(database_url: str) -> Engine:
    """A new engine for ``database_url`` (SQLite gets its directory, pragmas and thread rules)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # Requests are served from a threadpool; a connection is only used by one thread at a time.
    engine = create_engine(url, connect_args={"check_same_thread": False})
    _configure_sqlite(engine)
    return engine


@functools.cache
def get_engine(database_url: str) -> Engine:
    """The process-wide engine for ``database_url``."""
    logger.info("Creating database engine for %s", make_url(database_url).render_as_string())
    return create_db_engine(database_url)


@functools.cache
def get_sessionmaker(database_url: str) -> sessionmaker[Session]:
    """The process-wide session factory for ``database_url``."""
    return sessionmaker(bind=get_engine(database_url), expire_on_commit=False)


def get_app_settings(request: Request) -> Settings:
    """The settings the running app was created with (``create_app`` stores them)."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    """One session per request; services commit explicitly, anything left over is rolled back."""
    with get_sessionmaker(settings.database_url)() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
