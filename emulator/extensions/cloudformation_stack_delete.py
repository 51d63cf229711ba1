"""CloudFormation DeleteStack: a failure leaves the stack DELETE_FAILED; a deleted stack
stays deleted.

Gaps in moto 5.2:
- The stack is removed from the list *before* its resources are deleted. When one
  resource cannot be deleted (a bucket that still holds objects, an IAM entity that still
  has attachments), the DeleteStack call itself fails with that service's error, and the
  stack is gone from DescribeStacks and ListStacks while its remaining resources live on:
  nothing says what was left behind.
- A bucket that still holds objects is not deleted, but moto's Bucket model ignores that
  (S3's delete returns nothing instead of raising): the stack says DELETE_COMPLETE and the
  bucket lives on outside any stack.
- moto creates a stack's resources lazily, on first lookup. Describing a DELETE_COMPLETE
  stack (by its id) evaluates its Outputs, which looks the deleted resources up again and
  so creates them again: a bucket comes back after its stack was deleted.

What AWS does (CloudFormation API reference, DeleteStack; user guide "Troubleshooting:
Delete stack fails"): DeleteStack returns at once; the stack then ends DELETE_COMPLETE, or
DELETE_FAILED with a stack event whose reason names the failure (for example "The bucket
you tried to delete is not empty"). A DELETE_FAILED stack still exists, keeps the
resources it could not delete, and DeleteStack can be called again (S3 refuses to delete a
non-empty bucket with BucketNotEmpty, "The bucket you tried to delete is not empty"). A DELETE_COMPLETE
stack can still be described by its id, and has no resources and no outputs any more.
"""

from __future__ import annotations

from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.parsing import OutputMap
from moto.s3.exceptions import BucketNotEmpty, MissingBucket
from moto.s3.models import FakeBucket, s3_backends
from moto.utilities.utils import get_partition


def delete_bucket(cls, resource_name: str, cloudformation_json: dict, account_id: str, region_name: str) -> None:
    """FakeBucket's CloudFormation delete, failing as S3 does when the bucket is not empty."""
    try:
        deleted = s3_backends[account_id][get_partition(region_name)].delete_bucket(resource_name)
    except MissingBucket:
        return  # already gone
    if deleted is None:
        raise BucketNotEmpty(resource_name)


def apply() -> None:
    if getattr(CloudFormationBackend, "_cfn_stack_delete_extension", False):
        return
    delete_stack = CloudFormationBackend.delete_stack  # whatever is installed now (other extensions wrap it)

    def delete_stack_or_mark_failed(self: CloudFormationBackend, name_or_stack_id: str) -> None:
        stack = next((s for s in self.stacks.values() if name_or_stack_id in (s.name, s.stack_id)), None)
        try:
            delete_stack(self, name_or_stack_id)
        except Exception as err:  # AWS reports this on the stack, not on the DeleteStack call
            if stack is None:
                raise
            self.stacks[stack.stack_id] = stack  # moto dropped it before deleting its resources
            stack.status = "DELETE_FAILED"
            stack._add_stack_event("DELETE_FAILED", resource_status_reason=str(err))
        if stack is not None:
            # Nothing may look the deleted resources up again (that would re-create them):
            # the stack keeps only what is left, and no outputs.
            resources = stack.resource_map
            resources._resource_json_map = {k: v for k, v in resources._resource_json_map.items()
                                            if k in resources._parsed_resources}
            stack.output_map = OutputMap(resources, {"Outputs": {}}, stack.stack_id)

    CloudFormationBackend.delete_stack = delete_stack_or_mark_failed
    FakeBucket.delete_from_cloudformation_json = classmethod(delete_bucket)
    CloudFormationBackend._cfn_stack_delete_extension = True
