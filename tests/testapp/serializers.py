"""``USER_SERIALIZER`` classes a project might set."""

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from django_anonymous_auth.serializers import UserSerializer


class UserWithRequestPath(UserSerializer):
    """The default's fields and one more, read from the serializer's context."""

    def to_representation(self, user: Any) -> dict[str, Any]:
        return {**super().to_representation(user), "path": self.context["request"].path}


class UserModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "is_anonymous_user"]
