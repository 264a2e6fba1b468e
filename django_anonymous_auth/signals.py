"""Notifications of what happened to an anonymous user.

Each is sent with ``sender=user.__class__`` and ``request``: ``anonymous_user_created``
and ``anonymous_user_linked`` once their transaction has committed,
``anonymous_user_merged`` inside the merge transaction (a receiver that raises rolls
the merge back).
"""

from django.dispatch import Signal

#: A visitor signed in anonymously. Arguments: ``user``, ``request``.
anonymous_user_created = Signal()

#: An anonymous user saved its account with an email and password, keeping its id.
#: Arguments: ``user``, ``request``.
anonymous_user_linked = Signal()

#: An anonymous user signed in to an existing account and ``ON_LINK_ACCOUNT`` moved
#: its data. Sent inside the merge transaction, before the anonymous user is deleted.
#: Arguments: ``anonymous_user``, ``user``, ``request``.
anonymous_user_merged = Signal()
