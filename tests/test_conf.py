from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from django_anonymous_auth import hooks
from django_anonymous_auth.conf import SETTINGS, app_settings


def test_defaults_apply_when_the_setting_is_absent(settings):
    del settings.ANONYMOUS_AUTH
    assert timedelta(days=30) == app_settings.EXPIRE_AFTER
    assert app_settings.SIGN_IN_RATE == "30/hour"
    assert app_settings.RETURN_TOKEN is True


def test_a_changed_setting_takes_effect_at_once():
    with override_settings(ANONYMOUS_AUTH={"SIGN_IN_RATE": "5/minute"}):
        assert app_settings.SIGN_IN_RATE == "5/minute"
        assert app_settings.RETURN_TOKEN is True
    assert app_settings.SIGN_IN_RATE == "30/hour"


def test_unknown_setting_is_an_attribute_error():
    with pytest.raises(AttributeError):
        _ = app_settings.NOT_A_SETTING


def test_dotted_paths_are_imported_when_used(settings):
    assert app_settings.import_hook("GENERATE_NAME") is hooks.generate_name
    settings.ANONYMOUS_AUTH = {"GENERATE_NAME": "django_anonymous_auth.hooks.generate_email"}
    assert app_settings.import_hook("GENERATE_NAME") is hooks.generate_email


def test_every_setting_has_a_well_typed_default():
    for key, setting in SETTINGS.items():
        assert isinstance(setting.default, setting.types), key
        assert not setting.choices or setting.default in setting.choices, key


def test_only_dotted_path_settings_are_imported():
    with pytest.raises(AttributeError):
        app_settings.import_hook("SIGN_IN_RATE")
