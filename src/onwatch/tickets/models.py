"""The tickets tables."""

from __future__ import annotations
