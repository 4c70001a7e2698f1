"""Auth module: password hashing, registration, sessions and password reset."""
import os
import uuid

import bcrypt
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import NoResultFound

from db import DB, User

BCRYPT_COST = int(os.environ.get("BCRYPT_COST", "10"))


def _hash_password(password):
    """Salted bcrypt hash of a password, as bytes."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_COST))


def _generate_uuid():
    """A new random UUID4 as a string."""
    return str(uuid.uuid4())


class Auth:
    """Interacts with the authentication database."""

    _hash_password = staticmethod(_hash_password)

    def __init__(self):
        self._db = DB()

    @property
    def db(self):
        return self._db

    def register_user(self, email, password):
        """Register a new user; ValueError if the email is already taken."""
        try:
            self._db.find_user_by(email=email)
        except NoResultFound:
            hashed = _hash_password(password).decode("utf-8")
            try:
                return self._db.add_user(email, hashed)
            except IntegrityError:  # lost a race with a concurrent registration
                pass
        raise ValueError(f"User {email} already exists")

    def valid_login(self, email, password):
        """True when the email exists and the password matches its hash."""
        try:
            user = self._db.find_user_by(email=email)
        except NoResultFound:
            return False
        return bcrypt.checkpw(password.encode("utf-8"),
                              user.hashed_password.encode("utf-8"))

    def create_session(self, email):
        """Give the user a new session id and return it (None for an unknown email)."""
        try:
            user = self._db.find_user_by(email=email)
        except NoResultFound:
            return None
        session_id = _generate_uuid()
        self._db.update_user(user.id, session_id=session_id)
        return session_id

    def get_user_from_session_id(self, session_id):
        """The user owning this session id, or None."""
        if session_id is None:
            return None
        try:
            return self._db.find_user_by(session_id=session_id)
        except NoResultFound:
            return None

    def destroy_session(self, user_id):
        """End the user's session."""
        if user_id is None:
            return None
        self._db.update_user(user_id, session_id=None)
        return None

    def get_reset_password_token(self, email):
        """Give the user a reset token and return it; ValueError for an unknown email."""
        try:
            user = self._db.find_user_by(email=email)
        except NoResultFound:
            raise ValueError
        reset_token = _generate_uuid()
        self._db.update_user(user.id, reset_token=reset_token)
        return reset_token

    def update_password(self, reset_token, password):
        """Set a new password for the holder of reset_token; ValueError if it is unknown."""
        try:
            user = self._db.find_user_by(reset_token=reset_token)
        except NoResultFound:
            raise ValueError
        hashed = _hash_password(password).decode("utf-8")
        self._db.update_user(user.id, hashed_password=hashed, reset_token=None)
        return None


__all__ = ["Auth", "User", "_hash_password", "_generate_uuid"]
