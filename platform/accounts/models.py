"""Accounts belong to one province's schema; national regulators' accounts live in the public schema."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    phone = models.CharField("手机号码", max_length=11, blank=True, db_index=True)

    class Meta:
        verbose_name = "account"
