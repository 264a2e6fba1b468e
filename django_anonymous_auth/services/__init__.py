"""The use-cases: plain functions with keyword-only arguments, raising domain errors.

Views, admin actions and the management command all call these; a project's own
views may too.
"""

from .delete import delete_anonymous_user
from .link import link_account
from .sign_in import sign_in_anonymously, sign_in_with_email

__all__ = [
    "delete_anonymous_user",
    "link_account",
    "sign_in_anonymously",
    "sign_in_with_email",
]
