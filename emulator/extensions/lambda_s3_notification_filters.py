"""S3 notification key filters: rule names are case-insensitive and a value may be empty.

Gap: stock moto 5.2 answers PutBucketNotificationConfiguration with HTTP 500 (an
AssertionError) unless every FilterRule Name is exactly lower-case ``prefix``/``suffix``
and every Value is non-empty; it also matches keys against lower-case names only.
community.aws.s3_bucket_notification always sends ``Prefix`` and ``Suffix`` (the suffix
empty when none is wanted), so it cannot configure a notification on stock moto.

What AWS does (API reference, PutBucketNotificationConfiguration / FilterRule, and the
user guide "Configuring event notifications using object key name filtering"): the
Name is ``prefix`` or ``suffix`` in any case, an empty value constrains nothing, and
GetBucketNotificationConfiguration returns the rules as ``Prefix``/``Suffix``. Any
other name is InvalidArgument ("filter rule name must be either prefix or suffix").

This module parses the rules that way (canonical ``Prefix``/``Suffix``, empty value
kept as ""), and matches keys case-insensitively, an empty value matching every key.
"""

from __future__ import annotations

from typing import Any

_CANONICAL = {"prefix": "Prefix", "suffix": "Suffix"}
_MARK = "_project_filter_rules"


def _parse(self) -> dict[str, Any]:
    import xmltodict
    from moto.s3.exceptions import InvalidFilterRuleName, InvalidNotificationARN
    from moto.utilities.utils import PARTITION_NAMES

    parsed = xmltodict.parse(self.body)
    config = parsed["NotificationConfiguration"]
    if not config:
        return {}
    found = 0
    for name, service in (("Topic", "sns"), ("Queue", "sqs"), ("CloudFunction", "lambda"), ("EventBridge", "events")):
        field = f"{name}Configuration"
        if name == "EventBridge":
            if field in config:
                config[field] = {}
                found += 1
            continue
        items = config.get(field)
        if not items:
            continue
        found += 1
        if not isinstance(items, list):
            items = config[field] = [items]
        for item in items:
            if not any(item[name].startswith(f"arn:{p}:{service}:") for p in PARTITION_NAMES):
                raise InvalidNotificationARN()
            if not item.get("Event"):
                raise KeyError("Event")
            if not isinstance(item["Event"], list):
                item["Event"] = [item["Event"]]
            if item.get("Filter"):
                if not item["Filter"].get("S3Key"):
                    raise KeyError("S3Key")
                rules = item["Filter"]["S3Key"].get("FilterRule") or []
                if not isinstance(rules, list):
                    rules = [rules]
                normalised = []
                for rule in rules:
                    canonical = _CANONICAL.get(str(rule.get("Name", "")).lower())
                    if canonical is None:
                        raise InvalidFilterRuleName(str(rule.get("Name")))
                    normalised.append({"Name": canonical, "Value": rule.get("Value") or ""})
                item["Filter"]["S3Key"]["FilterRule"] = normalised
    return config if found else {}


def _key_matches(self, key_name: str) -> bool:
    if "S3Key" not in self.filters:
        return True
    rules = {r["Name"].lower(): r.get("Value") or "" for r in self.filters["S3Key"]["FilterRule"]}
    return key_name.startswith(rules.get("prefix", "")) and key_name.endswith(rules.get("suffix", ""))


def apply() -> None:
    from moto.s3.models import Notification
    from moto.s3.responses import S3Response

    if getattr(S3Response, _MARK, False):
        return
    S3Response._notification_config_from_body = _parse
    Notification._key_matches = _key_matches
    setattr(S3Response, _MARK, True)
