"""UpdateUser with NewUserName renames the user, not just the dictionary key.

Gap: moto's `update_user` moves the user object to the new name and nothing else:
- the user's tags are stored by ARN, and the ARN changes with the name (or path), so
  ListUserTags on the renamed user is empty: the tags are lost;
- access keys, SSH public keys and signing certificates keep the old user name, so
  ListAccessKeys(UserName=new) reports UserName=old (and later calls that look the user
  up by that name fail);
- renaming onto a name that is taken silently replaces the other user.

AWS (IAM API Reference, UpdateUser; IAM User Guide, "Renaming an IAM user"): the user
keeps its unique ID, its tags, groups, policies and credentials under the new name; a
NewUserName that already exists fails with EntityAlreadyExists (HTTP 409) and changes
nothing; an unknown UserName fails with NoSuchEntity (HTTP 404).
"""

from __future__ import annotations

from moto.iam.exceptions import EntityAlreadyExists
from moto.iam.models import IAMBackend

_MARK = "_project_iam_user_rename"


def apply() -> None:
    original = IAMBackend.update_user
    if getattr(original, _MARK, False):
        return

    def update_user(self, user_name, new_path=None, new_user_name=None):
        user = self.get_user(user_name)  # NoSuchEntity, as AWS
        if new_user_name and new_user_name != user_name and new_user_name in self.users:
            raise EntityAlreadyExists(f"User with name {new_user_name} already exists.")
        old_arn = user.arn
        original(self, user_name, new_path, new_user_name)
        if user.arn != old_arn:
            tags = self.tagger.list_tags_for_resource(old_arn)["Tags"]
            self.tagger.delete_all_tags_for_resource(old_arn)
            self.tagger.tag_resource(user.arn, tags)
        if new_user_name:
            credentials = [*user.access_keys, *user.ssh_public_keys, *user.signing_certificates.values()]
            for credential in credentials:
                credential.user_name = new_user_name

    setattr(update_user, _MARK, True)
    IAMBackend.update_user = update_user
