"""Test settings: the real settings with a fast password hasher and tasks run inline."""

from ltc.settings import *  # noqa: F403
from ltc.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "en"  # assertions read in English; Chinese is tested explicitly
DATABASES["default"]["CONN_MAX_AGE"] = 0  # no connection may outlive a test (live server threads)
