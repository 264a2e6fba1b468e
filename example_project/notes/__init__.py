"""Notes: the guest data of the example site, moved along when a guest signs in."""
