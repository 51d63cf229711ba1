"""s3_anonymous_requests: with IAM enforced, unsigned S3 requests are the anonymous
principal: allowed by a bucket policy for "*", denied (AccessDenied, not HTTP 500)
otherwise. Stock moto fails each test (strict xfail), ours passes."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request

import pytest

from tests.emulator.tls import error_code, policy, secured_fixture

secured = secured_fixture("moto answers unsigned requests with 500")


@pytest.fixture
def aws(secured):
    secured.reset()
    s3 = secured.client("s3", https=True)
    s3.create_bucket(Bucket="public")
    s3.put_bucket_policy(Bucket="public", Policy=policy({
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::public/*"}))
    s3.put_object(Bucket="public", Key="index.html", Body=b"hello")
    s3.create_bucket(Bucket="private")
    s3.put_object(Bucket="private", Key="secret", Body=b"s")
    secured.enforce_iam()
    return secured


def test_anonymous_reads_what_a_public_policy_allows_and_nothing_else(aws):
    anon = aws.client("s3", https=True, anonymous=True)
    assert anon.get_object(Bucket="public", Key="index.html")["Body"].read() == b"hello"
    assert error_code(lambda: anon.head_object(Bucket="public", Key="index.html")) is None
    for call in (lambda: anon.get_object(Bucket="public", Key="missing"),  # no s3:ListBucket: 403, not 404
                 lambda: anon.put_object(Bucket="public", Key="x", Body=b"x"),
                 lambda: anon.list_objects_v2(Bucket="public"),
                 lambda: anon.get_object(Bucket="private", Key="secret"),
                 lambda: anon.list_objects_v2(Bucket="private"),
                 lambda: anon.delete_object(Bucket="private", Key="secret"),
                 anon.list_buckets):
        assert error_code(call) == "AccessDenied"


def test_anonymous_listing_when_the_policy_allows_it(aws):
    anon = aws.client("s3", anonymous=True)
    assert error_code(lambda: anon.list_objects_v2(Bucket="public")) == "AccessDenied"
    # Enforcement on: only an IAM identity could change the policy; switch it off to do so.
    aws.enforce_iam(False)
    aws.client("s3", https=True).put_bucket_policy(Bucket="public", Policy=policy({
        "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::public", "arn:aws:s3:::public/*"]}))
    aws.enforce_iam()
    assert [o["Key"] for o in anon.list_objects_v2(Bucket="public")["Contents"]] == ["index.html"]


def _fetch(aws, url: str) -> tuple[int, bytes]:
    """A plain HTTPS GET (no AWS signature), as curl or a browser would send it."""
    context = ssl.create_default_context(cafile=aws.tls.ca_bundle)
    try:
        with urllib.request.urlopen(url, context=context, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_plain_http_clients_and_presigned_urls(aws):
    assert _fetch(aws, f"{aws.https_endpoint}/public/index.html") == (200, b"hello")
    status, body = _fetch(aws, f"{aws.https_endpoint}/private/secret")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    # Presigned URLs are not verified by the emulator: refused, never served unchecked.
    url = aws.client("s3", https=True).generate_presigned_url(
        "get_object", Params={"Bucket": "private", "Key": "secret"})
    status, body = _fetch(aws, url)
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
