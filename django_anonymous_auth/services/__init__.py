"""The use-cases: plain functions with keyword-only arguments, raising domain errors.

Views, admin actions and the management command all call these; a project's own
views may too.
"""

from .cleanup import bulk_delete_anonymous_users, delete_expired_anonymous_users
from .delete import delete_anonymous_user
from .link import link_account
from .sign_in import sign_in_anonymously, sign_in_with_email

__all__ = [
    "bulk_delete_anonymous_users",
    "delete_anonymous_user",
    "delete_expired_anonymous_users",
    "link_account",
    "sign_in_anonymously",
    "sign_in_with_email",
]
