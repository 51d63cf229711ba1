"""emulator/extensions/iam_user_rename.py: a renamed user keeps its tags and credentials,
and a rename onto a taken name is refused (each test fails on stock moto)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def _user(iam, name: str, **kwargs) -> dict:
    return iam.create_user(UserName=name, **kwargs)["User"]


def test_renamed_user_keeps_its_tags(flavour):
    iam = flavour.client("iam")
    _user(iam, "jsmith", Path="/developers/", Tags=[{"Key": "team", "Value": "ml"}])
    iam.update_user(UserName="jsmith", NewUserName="john.smith")
    assert iam.list_user_tags(UserName="john.smith")["Tags"] == [{"Key": "team", "Value": "ml"}]


def test_renamed_user_keeps_its_access_keys_under_the_new_name(flavour):
    iam = flavour.client("iam")
    _user(iam, "jsmith")
    key_id = iam.create_access_key(UserName="jsmith")["AccessKey"]["AccessKeyId"]
    iam.update_user(UserName="jsmith", NewUserName="john.smith")
    keys = iam.list_access_keys(UserName="john.smith")["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["UserName"]) for k in keys] == [(key_id, "john.smith")]
    iam.delete_access_key(UserName="john.smith", AccessKeyId=key_id)  # the key is really the new user's
    assert iam.list_access_keys(UserName="john.smith")["AccessKeyMetadata"] == []


def test_rename_onto_a_taken_name_is_refused(flavour):
    iam = flavour.client("iam")
    old_id = _user(iam, "jsmith")["UserId"]
    other_id = _user(iam, "john.smith")["UserId"]
    with pytest.raises(ClientError) as err:
        iam.update_user(UserName="jsmith", NewUserName="john.smith")
    assert err.value.response["Error"]["Code"] == "EntityAlreadyExists"
    assert iam.get_user(UserName="jsmith")["User"]["UserId"] == old_id
    assert iam.get_user(UserName="john.smith")["User"]["UserId"] == other_id


def test_rename_keeps_the_unique_id_and_path(emulator):
    """Not a gap (stock moto does this too): the baseline the rename relies on."""
    emulator.reset()
    iam = emulator.client("iam")
    created = _user(iam, "jsmith", Path="/developers/")
    iam.update_user(UserName="jsmith", NewUserName="john.smith")
    user = iam.get_user(UserName="john.smith")["User"]
    assert (user["UserId"], user["Path"]) == (created["UserId"], "/developers/")
    assert user["Arn"].endswith(":user/developers/john.smith")
    with pytest.raises(ClientError) as err:
        iam.get_user(UserName="jsmith")
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
