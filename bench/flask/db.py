"""DB module: SQLAlchemy model and a small data-access class (Holberton 0x03 design).

One engine per process (created at import, i.e. once per gunicorn worker), a thread-local
scoped session that the Flask app removes at request teardown, and SQLite in WAL mode so
several worker processes can share the file.
"""
import os

from sqlalchemy import Column, Integer, String, create_engine, event
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import declarative_base, scoped_session, sessionmaker
from sqlalchemy.orm.exc import NoResultFound  # noqa: F401  (re-exported for callers)

HERE = os.path.dirname(os.path.abspath(__file__))
DB_PATH = os.environ.get("FLASK_DB_PATH", os.path.join(HERE, "a.db"))

Base = declarative_base()


class User(Base):
    """A user of the authentication service."""
    __tablename__ = "users"

    id = Column(Integer, primary_key=True)
    # Unique, like users_email_unique in the TypeScript service's migration.
    email = Column(String(250), nullable=False, unique=True, index=True)
    hashed_password = Column(String(250), nullable=False)
    session_id = Column(String(250), nullable=True, index=True)
    reset_token = Column(String(250), nullable=True, index=True)


def make_engine(path=DB_PATH):
    """SQLite engine with WAL journaling and a busy timeout on every connection."""
    engine = create_engine(f"sqlite:///{path}", future=True)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()

    return engine


class DB:
    """Data access for users, on a per-process engine and a scoped session."""

    def __init__(self, path=DB_PATH):
        self._engine = make_engine(path)
        Base.metadata.create_all(self._engine)  # CREATE ... IF NOT EXISTS semantics
        self._Session = scoped_session(
            sessionmaker(bind=self._engine, expire_on_commit=False, future=True))

    @property
    def engine(self):
        return self._engine

    @property
    def _session(self):
        """The current thread's session (one per request)."""
        return self._Session()

    def remove_session(self, *_args):
        """Close the current session; called at request teardown."""
        self._Session.remove()

    def add_user(self, email, hashed_password):
        """Create and persist a user, returning it."""
        user = User(email=email, hashed_password=hashed_password)
        session = self._session
        session.add(user)
        try:
            session.commit()
        except Exception:
            session.rollback()
            raise
        return user

    def find_user_by(self, **kwargs):
        """First user matching every keyword filter.

        Raises NoResultFound when nobody matches and InvalidRequestError for a bad filter.
        """
        if not kwargs:
            raise InvalidRequestError("no filter given")
        for key in kwargs:
            if key not in User.__table__.columns:
                raise InvalidRequestError(f"users has no column {key!r}")
        return self._session.query(User).filter_by(**kwargs).one()

    def update_user(self, user_id, **kwargs):
        """Set the given attributes on a user; ValueError for an unknown column."""
        user = self.find_user_by(id=user_id)
        for key, value in kwargs.items():
            if key not in User.__table__.columns:
                raise ValueError(f"users has no column {key!r}")
            setattr(user, key, value)
        session = self._session
        try:
            session.commit()
        except Exception:
            session.rollback()
            raise
