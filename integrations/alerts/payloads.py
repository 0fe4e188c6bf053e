"""The bodies alert sources post, validated leniently: unknown fields are ignored.

Alertmanager's webhook payload is version 4. What we need of it is required (``groupKey``,
``status``, ``alerts`` with their ``status``, ``labels`` and ``startsAt``); everything else has
a default. ``endsAt`` of ``0001-01-01T00:00:00Z`` means "not ended".
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.incidents.ports import AlertBatch, NewAlert

_ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class AmAlert(_Lenient):
    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime = Field(alias="startsAt")
    ends_at: datetime | None = Field(default=None, alias="endsAt")
    generator_url: str | None = Field(default=None, alias="generatorURL")
    fingerprint: str | None = None

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("needs a UTC offset (RFC 3339)")
        return value.astimezone(UTC)

    def identity(self) -> str:
        """Alertmanager's fingerprint, or a stable hash of the labels when it sent none."""
        if self.fingerprint:
            return self.fingerprint
        return hashlib.sha256(json.dumps(self.labels, sort_keys=True).encode()).hexdigest()[:16]


class AlertmanagerPayload(_Lenient):
    version: str | None = None
    group_key: str = Field(alias="groupKey", min_length=1)
    status: Literal["firing", "resolved"]
    receiver: str | None = None
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str | None = Field(default=None, alias="externalURL")
    alerts: list[AmAlert] = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _v4(cls, value: str | None) -> str | None:
        if value is not None and value != "4":
            raise ValueError(f"payload version {value!r} is not supported; Alertmanager sends 4")
        return value

    def to_batch(self) -> AlertBatch:
        """The delivery as the core sees it."""
        first = self.alerts[0]
        labels = self.common_labels or first.labels
        annotations = self.common_annotations or first.annotations
        name = labels.get("alertname") or self.group_labels.get("alertname") or "alert"
        title = annotations.get("summary") or annotations.get("title") or name
        links = {
            k: v
            for k, v in (("alertmanager", self.external_url), ("source", first.generator_url))
            if v
        }
        return AlertBatch(
            source="alertmanager",
            key=self.group_key,
            status=self.status,
            title=title[:500],
            labels=dict(labels),
            annotations=dict(annotations),
            alerts=tuple(
                NewAlert(
                    fingerprint=a.identity(),
                    status=a.status,
                    starts_at=a.starts_at,
                    ends_at=None if a.ends_at is None or a.ends_at <= _ZERO_TIME else a.ends_at,
                    labels=dict(a.labels),
                    annotations=dict(a.annotations),
                    generator_url=a.generator_url,
                )
                for a in self.alerts
            ),
            links=links,
        )


class GenericAlert(_Lenient):
    """A simple alert for sources that are not Alertmanager.

    Without ``dedup_key`` every firing post opens its own incident (and a resolve must name
    the key). ``service`` and ``severity`` become the ``service`` and ``severity`` labels.
    """

    title: str = Field(min_length=1, max_length=500)
    status: Literal["firing", "resolved"] = "firing"
    dedup_key: str | None = Field(default=None, min_length=1, max_length=500)
    service: str | None = None
    severity: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    description: str | None = None
    links: dict[str, str] = Field(default_factory=dict)

    def to_batch(self, received_at: datetime, fallback_key: str) -> AlertBatch:
        """The post as the core sees it; ``fallback_key`` is used when no key was given."""
        labels = dict(self.labels)
        if self.service:
            labels["service"] = self.service
        if self.severity:
            labels["severity"] = self.severity
        annotations = {"summary": self.title} | (
            {"description": self.description} if self.description else {}
        )
        key = self.dedup_key or fallback_key
        return AlertBatch(
            source="generic",
            key=key,
            status=self.status,
            title=self.title,
            labels=labels,
            annotations=annotations,
            alerts=(NewAlert(key, self.status, received_at, None, labels, annotations),),
            links=dict(self.links),
        )
