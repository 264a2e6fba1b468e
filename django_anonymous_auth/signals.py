"""Notifications sent after the write they describe has been committed.

Each is sent with ``sender=user.__class__`` and ``request``.
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
