#!/usr/bin/python
# Copyright: the project's authors. GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: one InvokeEndpoint request (a smoke test of a SageMaker endpoint)."""
# ruff: noqa: E402 (Ansible module anatomy: imports follow DOCUMENTATION, EXAMPLES, RETURN)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sagemaker_invoke
short_description: Send one request to a SageMaker endpoint and return its answer
version_added: 1.0.0
author: MLOps estate project
description:
  - Calls C(InvokeEndpoint) (the SageMaker runtime) once with I(body) and returns the
    answer, and the answer as a number when it is one (I(prediction)). Meant as the smoke
    test after a rollout; amazon.aws and community.aws have no SageMaker runtime module.
  - Never reports a change. In check mode nothing is sent (with data capture on, a request
    writes a captured record to S3), and I(invoked) is false.
options:
  endpoint_name:
    description: Endpoint to call.
    type: str
    required: true
  body:
    description: Request body (e.g. one CSV record in the model's feature order).
    type: str
    required: true
  content_type:
    description: MIME type of I(body).
    type: str
    default: text/csv
  accept:
    description: MIME type asked for.
    type: str
    default: text/csv
  target_variant:
    description: Send the request to this production variant instead of the weighted choice.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Smoke test - one real record gets a numeric prediction
  sagemaker_invoke:
    endpoint_name: eta
    body: "8,2,0,1,132,236,0,1,1,12000"
  register: smoke
  failed_when: smoke.prediction is not number
"""

RETURN = r"""
invoked:
  description: Whether the request was sent (false in check mode).
  returned: always
  type: bool
body:
  description: The answer's body as text.
  returned: when invoked
  type: str
prediction:
  description: The body as a number when it is one (a single value), else null.
  returned: always
  type: float
content_type:
  description: The answer's content type.
  returned: when invoked
  type: str
invoked_variant:
  description: The variant that answered.
  returned: when invoked
  type: str
"""

import contextlib

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def as_number(text: str) -> float | None:
    try:
        return float(text.strip().strip("[]").strip())
    except ValueError:
        return None


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "endpoint_name": {"type": "str", "required": True},
            "body": {"type": "str", "required": True},
            "content_type": {"type": "str", "default": "text/csv"},
            "accept": {"type": "str", "default": "text/csv"},
            "target_variant": {"type": "str"},
        },
        supports_check_mode=True,
    )
    p = module.params
    if module.check_mode:
        module.exit_json(changed=False, invoked=False, prediction=None)
    runtime = module.client("sagemaker-runtime", retry_decorator=AWSRetry.jittered_backoff())
    kwargs = {"TargetVariant": p["target_variant"]} if p["target_variant"] else {}
    try:
        answer = runtime.invoke_endpoint(aws_retry=True, EndpointName=p["endpoint_name"], Body=p["body"].encode(),
                                         ContentType=p["content_type"], Accept=p["accept"], **kwargs)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"invoking SageMaker endpoint {p['endpoint_name']}")
    text = answer["Body"].read().decode(errors="replace")
    module.exit_json(changed=False, invoked=True, body=text, prediction=as_number(text),
                     content_type=answer.get("ContentType"), invoked_variant=answer.get("InvokedProductionVariant"))


if __name__ == "__main__":
    main()
