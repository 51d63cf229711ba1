"""lambda_s3_notification_filters: notification filter rule names in any case, empty values."""

from __future__ import annotations

import json
from urllib.parse import unquote_plus

BUCKET = "notify-bucket"


def _setup(emu):
    s3, sqs = emu.client("s3"), emu.client("sqs")
    s3.create_bucket(Bucket=BUCKET)
    queue = sqs.create_queue(QueueName="created")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return s3, sqs, queue, arn


def test_capitalised_rule_names_and_an_empty_suffix_are_accepted_and_round_trip(flavour):
    s3, _, _, arn = _setup(flavour)
    config = {"Id": "raw", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
              "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "raw/"},
                                                 {"Name": "Suffix", "Value": ""}]}}}
    s3.put_bucket_notification_configuration(Bucket=BUCKET,
                                             NotificationConfiguration={"QueueConfigurations": [config]})
    got = s3.get_bucket_notification_configuration(Bucket=BUCKET)["QueueConfigurations"]
    assert got == [config]


def test_keys_match_the_prefix_whatever_the_rule_name_case(flavour):
    s3, sqs, queue, arn = _setup(flavour)
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={"QueueConfigurations": [
        {"Id": "raw", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "raw/"}]}}}]})
    sqs.purge_queue(QueueUrl=queue)  # the configuration's test event
    s3.put_object(Bucket=BUCKET, Key="raw/a.csv", Body=b"x")
    s3.put_object(Bucket=BUCKET, Key="other/b.csv", Body=b"x")
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    keys = [unquote_plus(r["s3"]["object"]["key"]) for m in messages for r in json.loads(m["Body"]).get("Records", [])]
    assert keys == ["raw/a.csv"]
