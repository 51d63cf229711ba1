#!/usr/bin/env python3
"""Deploy the newest Approved version of a SageMaker model package to a real-time endpoint
with the SageMaker Python SDK, invoke it with one record and print the prediction.

    python deploy_model_package.py --group eta --role-arn arn:aws:iam::111122223333:role/x \\
        --endpoint-name eta-sdk --capture-s3-uri s3://bucket/capture --record '8,2,0,1,...'

The same command runs against a real account (credentials and region from the usual AWS
chain) and against the embedded AWS (AWS_ENDPOINT_URL and AWS_CA_BUNDLE, which boto3 and
therefore the SDK's Session honour). It needs the SDK: run it with .venv-sagemaker/bin/python
(`make sdk-venv`). Output: one JSON object on stdout (package, endpoint, prediction);
progress and errors on stderr.

Exit codes: 0 done; 2 bad arguments; 3 no Approved version (or the given version is not
Approved); 4 the endpoint did not reach InService; 5 the invocation failed; 6 another
AWS error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys

EXIT_BAD_INPUT, EXIT_NOT_APPROVED, EXIT_DEPLOY, EXIT_INVOKE, EXIT_AWS = 2, 3, 4, 5, 6
VERSIONED_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/[^/]+/\d+$")
CONTENT_TYPES = ("text/csv", "application/json")

# The SDK sends usage telemetry to an S3 URL on every decorated call unless this is set
# (SageMaker.PythonSDK.Modules.TelemetryOptOut in its defaults config): the sample talks to
# the SageMaker API and nothing else.
SDK_CONFIG = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}
# 2.x warns on import and on ModelPackage that v3 is the developed line; the choice of 2.x
# is deliberate (README.md), so the warning is silenced unless the caller sets it.
os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")


class Failure(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--group", help="model package group: its newest Approved version is deployed")
    source.add_argument("--model-package-arn", help="a versioned model package ARN (must be Approved)")
    parser.add_argument("--role-arn", required=True, help="execution role SageMaker assumes for the model")
    parser.add_argument("--endpoint-name", required=True, help="endpoint to create (must not exist)")
    parser.add_argument("--capture-s3-uri", required=True,
                        help="s3://bucket/prefix for data capture (given, so the SDK never guesses a default bucket)")
    parser.add_argument("--capture-percent", type=int, default=100, help="data capture sampling percentage (1-100)")
    parser.add_argument("--instance-type", default="ml.m5.large")
    parser.add_argument("--instance-count", type=int, default=1)
    parser.add_argument("--record", required=True, help="one record: a CSV row or a JSON object")
    parser.add_argument("--content-type", choices=CONTENT_TYPES, default="text/csv")
    parser.add_argument("--poll", type=float, default=5, help="seconds between endpoint status checks")
    parser.add_argument("--delete", action="store_true",
                        help="delete the endpoint, its configuration and the model after the invocation")
    args = parser.parse_args(argv)
    if not args.capture_s3_uri.startswith("s3://") or len(args.capture_s3_uri) <= len("s3://"):
        parser.error(f"--capture-s3-uri must be s3://bucket[/prefix], got {args.capture_s3_uri!r}")
    if not 1 <= args.capture_percent <= 100:
        parser.error(f"--capture-percent must be 1-100, got {args.capture_percent}")
    if args.instance_count < 1:
        parser.error(f"--instance-count must be at least 1, got {args.instance_count}")
    if args.model_package_arn and not VERSIONED_ARN.match(args.model_package_arn):
        parser.error(f"--model-package-arn must be a versioned package ARN (.../model-package/<group>/<n>), "
                     f"got {args.model_package_arn!r}")
    if args.content_type == "application/json":
        try:
            json.loads(args.record)
        except ValueError as err:
            parser.error(f"--record is not JSON ({err}) but --content-type is application/json")
    return args


def newest_approved(client, group: str) -> str:
    """ARN of the group's Approved version with the highest version number."""
    approved = []
    for page in client.get_paginator("list_model_packages").paginate(
            ModelPackageGroupName=group, ModelApprovalStatus="Approved"):
        approved += page["ModelPackageSummaryList"]
    if not approved:
        raise Failure(EXIT_NOT_APPROVED, f"model package group {group!r} has no Approved version")
    return max(approved, key=lambda p: p["ModelPackageVersion"])["ModelPackageArn"]


def check_approved(client, arn: str) -> None:
    # ModelPackage.deploy() APPROVES a versioned package that is not approved yet: the
    # sample refuses instead, so the approval gate stays the only way to production.
    status = client.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"]
    if status != "Approved":
        raise Failure(EXIT_NOT_APPROVED, f"{arn} is {status}, not Approved; approve it first")


def run(args: argparse.Namespace) -> dict:
    import sagemaker
    from botocore.exceptions import ClientError
    from sagemaker.deserializers import StringDeserializer
    from sagemaker.exceptions import UnexpectedStatusException
    from sagemaker.model_monitor import DataCaptureConfig
    from sagemaker.predictor import Predictor
    from sagemaker.serializers import CSVSerializer, JSONSerializer

    session = sagemaker.Session(sagemaker_config=SDK_CONFIG)
    client = session.sagemaker_client
    try:
        arn = args.model_package_arn or newest_approved(client, args.group)
        check_approved(client, arn)
        print(f"deploying {arn} to endpoint {args.endpoint_name}", file=sys.stderr)
        model = sagemaker.ModelPackage(role=args.role_arn, model_package_arn=arn, sagemaker_session=session)
        capture = DataCaptureConfig(enable_capture=True, sampling_percentage=args.capture_percent,
                                    destination_s3_uri=args.capture_s3_uri, sagemaker_session=session)
        # wait=False and our own poll: the SDK's wait polls every 30 s.
        model.deploy(initial_instance_count=args.instance_count, instance_type=args.instance_type,
                     endpoint_name=args.endpoint_name, data_capture_config=capture, wait=False)
        try:
            endpoint = session.wait_for_endpoint(args.endpoint_name, poll=args.poll)
        except UnexpectedStatusException as err:
            raise Failure(EXIT_DEPLOY, str(err)) from err
        predictor = Predictor(args.endpoint_name, sagemaker_session=session,
                              serializer=CSVSerializer() if args.content_type == "text/csv" else JSONSerializer(),
                              deserializer=StringDeserializer(accept=args.content_type))
        record = args.record if args.content_type == "text/csv" else json.loads(args.record)
        try:
            prediction = predictor.predict(record).strip()
        except ClientError as err:
            raise Failure(EXIT_INVOKE, f"invoking {args.endpoint_name} failed: {err}") from err
        result = {"model_package_arn": arn, "endpoint_name": args.endpoint_name,
                  "endpoint_config_name": endpoint["EndpointConfigName"], "model_name": model.name,
                  "prediction": prediction, "deleted": False}
        if args.delete:
            predictor.delete_endpoint(delete_endpoint_config=True)
            model.delete_model()
            result["deleted"] = True
        return result
    except ClientError as err:
        raise Failure(EXIT_AWS, f"AWS error: {err}") from err


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        # The SDK logs its config lookup to stdout (a handler made at import): everything but
        # the result goes to stderr, so stdout stays one JSON object.
        with contextlib.redirect_stdout(sys.stderr):
            result = run(args)
    except ImportError as err:
        print(f"error: the SageMaker Python SDK is not installed here ({err}); "
              "run with .venv-sagemaker/bin/python (make sdk-venv)", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Failure as err:
        print(f"error: {err}", file=sys.stderr)
        return err.code
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
