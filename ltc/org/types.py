from django.http import HttpRequest

from ltc.org.models import User


class AuthedRequest(HttpRequest):
    """A request that passed authentication: `user` is a real User (for type checking)."""

    user: User
