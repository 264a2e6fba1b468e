"""The use-cases: plain functions with keyword-only arguments, raising this app's errors.

Views, admin actions and the management command all call these; a project's own
views may too.
"""

from .bulk_delete import DeletionStats, bulk_delete_anonymous_users
from .cleanup import delete_ended_rate_counters, delete_expired_anonymous_users
from .delete import delete_anonymous_user
from .link import link_account
from .sign_in import sign_in_anonymously, sign_in_with_email

__all__ = [
    "DeletionStats",
    "bulk_delete_anonymous_users",
    "delete_anonymous_user",
    "delete_ended_rate_counters",
    "delete_expired_anonymous_users",
    "link_account",
    "sign_in_anonymously",
    "sign_in_with_email",
]
