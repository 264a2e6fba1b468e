"""Anonymous sign-in for Django: a real session first, a real account later."""

__version__ = "0.1.0"
