"""UpdateModelPackage changes only what the request names.

Gap: moto's `update_model_package` assigns every field it accepts, given or not. An
approval (`ModelApprovalStatus` alone, as the console, the SDK and our approval gate
send it) therefore erases the version's `CustomerMetadataProperties` and its
`ApprovalDescription`, a request without `ModelApprovalStatus` sets the status to
nothing, and `CustomerMetadataPropertiesToRemove` on a version whose properties were
just erased fails with an internal error.

AWS (SageMaker API Reference, UpdateModelPackage): every request field but
`ModelPackageArn` is optional and updates only that property; `CustomerMetadataProperties`
are "the metadata properties associated with the model package versions" to add or
update (removal is `CustomerMetadataPropertiesToRemove`), so the others are kept.
"""

from __future__ import annotations

from moto.sagemaker.models import SageMakerModelBackend

_MARK = "_project_sagemaker_model_package_update"


def apply() -> None:
    original = SageMakerModelBackend.update_model_package
    if getattr(original, _MARK, False):
        return

    def update_model_package(self, model_package_arn, model_approval_status, approval_description,
                             customer_metadata_properties, customer_metadata_properties_to_remove,
                             additional_inference_specifications_to_add):
        name = self.model_package_name_mapping.get(model_package_arn, model_package_arn)
        package = self.model_packages.get(name)
        if package is not None:  # an unknown package: moto's own ValidationError below
            kept = dict(package.customer_metadata_properties or {})
            model_approval_status = model_approval_status or package.model_approval_status
            if approval_description is None:
                approval_description = package.approval_description
            customer_metadata_properties = {**kept, **(customer_metadata_properties or {})}
        return original(self, model_package_arn, model_approval_status, approval_description,
                        customer_metadata_properties, customer_metadata_properties_to_remove or [],
                        additional_inference_specifications_to_add)

    setattr(update_model_package, _MARK, True)
    SageMakerModelBackend.update_model_package = update_model_package
