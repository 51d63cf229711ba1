"""emulator/extensions/iam_service_specific_credentials.py: the call answers, so IAM
users can be deleted by amazon.aws.iam_user (fails on stock moto)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def test_a_user_has_no_service_specific_credentials(flavour):
    iam = flavour.client("iam")
    iam.create_user(UserName="jsmith")
    assert iam.list_service_specific_credentials(UserName="jsmith")["ServiceSpecificCredentials"] == []


def test_an_unknown_user_is_no_such_entity(flavour):
    iam = flavour.client("iam")
    with pytest.raises(ClientError) as err:
        iam.list_service_specific_credentials(UserName="nobody")
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
