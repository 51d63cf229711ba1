"""Everything the project can touch in an account, read through the AWS APIs, as plain data.

`take(client)` returns one dict per resource kind (S3 buckets with their policies,
settings, tags, notifications and every object version; IAM users, groups, roles,
managed and inline policies; CloudFormation stacks and change sets; EC2 VPCs, security
groups with their rules, instances; RDS clusters, instances and their groups; Lambda
functions with their concurrency, invoke config and resource policy; SQS queues; log
groups with their retention; Auto Scaling groups and load balancers; account-level S3
Block Public Access). Two snapshots are equal exactly when nothing the project manages
changed in between: tests take one before and one after a run and compare them.

`client` is a callable `client(service_name) -> boto3 client` (e.g. `Emulator.client`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

Client = Callable[[str], Any]


def _or_none(call: Callable[[], Any], *missing: str) -> Any:
    """The call's answer, or None when AWS says the thing is not configured."""
    try:
        return call()
    except ClientError as err:
        if err.response["Error"]["Code"] in missing:
            return None
        raise


def _strip(answer: dict | None) -> dict | None:
    if answer is not None:
        answer = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    return answer


def _pages(client: Any, operation: str, key: str, **kwargs) -> list:
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page.get(key, [])]


def s3(client: Client) -> dict:
    s3c = client("s3")
    buckets = {}
    for bucket in s3c.list_buckets()["Buckets"]:
        name = bucket["Name"]
        policy = _or_none(lambda n=name: s3c.get_bucket_policy(Bucket=n)["Policy"], "NoSuchBucketPolicy")
        versions = _pages(s3c, "list_object_versions", "Versions", Bucket=name)
        markers = _pages(s3c, "list_object_versions", "DeleteMarkers", Bucket=name)
        buckets[name] = {
            "created": bucket["CreationDate"].isoformat(),
            "policy": json.loads(policy) if policy else None,
            "tags": _or_none(lambda n=name: s3c.get_bucket_tagging(Bucket=n)["TagSet"], "NoSuchTagSet"),
            "versioning": _strip(s3c.get_bucket_versioning(Bucket=name)),
            "public_access_block": _or_none(
                lambda n=name: s3c.get_public_access_block(Bucket=n)["PublicAccessBlockConfiguration"],
                "NoSuchPublicAccessBlockConfiguration"),
            "encryption": _or_none(lambda n=name: s3c.get_bucket_encryption(Bucket=n)[
                "ServerSideEncryptionConfiguration"], "ServerSideEncryptionConfigurationNotFoundError"),
            "lifecycle": _or_none(lambda n=name: s3c.get_bucket_lifecycle_configuration(Bucket=n)["Rules"],
                                  "NoSuchLifecycleConfiguration"),
            "notification": _strip(s3c.get_bucket_notification_configuration(Bucket=name)),
            "acl": _strip(s3c.get_bucket_acl(Bucket=name)),
            "objects": sorted((v["Key"], v["VersionId"], v["ETag"], v["Size"], v["IsLatest"],
                               v["LastModified"].isoformat()) for v in versions),
            "delete_markers": sorted((m["Key"], m["VersionId"]) for m in markers),
        }
    return buckets


def iam(client: Client) -> dict:
    iamc = client("iam")
    users = {}
    for user in _pages(iamc, "list_users", "Users"):
        name = user["UserName"]
        users[name] = {
            "id": user["UserId"], "path": user["Path"],
            "tags": iamc.list_user_tags(UserName=name)["Tags"],
            "groups": sorted(g["GroupName"] for g in iamc.list_groups_for_user(UserName=name)["Groups"]),
            "attached": sorted(p["PolicyArn"] for p in iamc.list_attached_user_policies(UserName=name)[
                "AttachedPolicies"]),
            "inline": sorted(iamc.list_user_policies(UserName=name)["PolicyNames"]),
            "access_keys": sorted(k["AccessKeyId"] for k in iamc.list_access_keys(UserName=name)[
                "AccessKeyMetadata"]),
        }
    groups = {}
    for group in _pages(iamc, "list_groups", "Groups"):
        name = group["GroupName"]
        groups[name] = {
            "id": group["GroupId"], "path": group["Path"],
            "attached": sorted(p["PolicyArn"] for p in iamc.list_attached_group_policies(GroupName=name)[
                "AttachedPolicies"]),
            "inline": {p: iamc.get_group_policy(GroupName=name, PolicyName=p)["PolicyDocument"]
                       for p in iamc.list_group_policies(GroupName=name)["PolicyNames"]},
        }
    roles = {}
    for role in _pages(iamc, "list_roles", "Roles"):
        name = role["RoleName"]
        roles[name] = {
            "id": role["RoleId"], "path": role["Path"], "trust": role["AssumeRolePolicyDocument"],
            "max_session": role.get("MaxSessionDuration"),
            "tags": iamc.list_role_tags(RoleName=name)["Tags"],
            "attached": sorted(p["PolicyArn"] for p in iamc.list_attached_role_policies(RoleName=name)[
                "AttachedPolicies"]),
            "inline": {p: iamc.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
                       for p in iamc.list_role_policies(RoleName=name)["PolicyNames"]},
        }
    policies = {}
    for policy in _pages(iamc, "list_policies", "Policies", Scope="Local"):
        arn = policy["Arn"]
        policies[arn] = {
            "default": policy["DefaultVersionId"],
            "versions": sorted((v["VersionId"], v["IsDefaultVersion"])
                               for v in iamc.list_policy_versions(PolicyArn=arn)["Versions"]),
            "document": iamc.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])[
                "PolicyVersion"]["Document"],
        }
    return {"users": users, "groups": groups, "roles": roles, "policies": policies}


def cloudformation(client: Client) -> dict:
    cfn = client("cloudformation")
    stacks = {}
    for stack in _pages(cfn, "describe_stacks", "Stacks"):
        if stack["StackStatus"] == "DELETE_COMPLETE":
            continue
        name = stack["StackName"]
        stacks[name] = {
            "id": stack["StackId"], "status": stack["StackStatus"],
            "updated": str(stack.get("LastUpdatedTime")),
            "parameters": sorted((p["ParameterKey"], p.get("ParameterValue")) for p in stack.get("Parameters", [])),
            "tags": sorted((t["Key"], t["Value"]) for t in stack.get("Tags", [])),
            "change_sets": sorted(c["ChangeSetName"] for c in cfn.list_change_sets(StackName=name)["Summaries"]),
            # (moto leaves LogicalResourceId out for some resource types)
            "resources": sorted(((r.get("LogicalResourceId"), r.get("PhysicalResourceId"), r.get("ResourceStatus"))
                                 for r in cfn.describe_stack_resources(StackName=name)["StackResources"]), key=repr),
        }
    return stacks


def ec2(client: Client) -> dict:
    ec2c = client("ec2")
    rules = {}
    for rule in _pages(ec2c, "describe_security_group_rules", "SecurityGroupRules"):
        rules.setdefault(rule["GroupId"], []).append(
            (rule["IsEgress"], rule["IpProtocol"], rule.get("FromPort"), rule.get("ToPort"),
             rule.get("CidrIpv4"), rule.get("CidrIpv6"),
             (rule.get("ReferencedGroupInfo") or {}).get("GroupId"), rule.get("Description")))
    groups = {g["GroupId"]: {"name": g["GroupName"], "vpc": g.get("VpcId"), "description": g["Description"],
                             "tags": sorted((t["Key"], t["Value"]) for t in g.get("Tags", [])),
                             "rules": sorted(rules.get(g["GroupId"], []), key=repr)}
              for g in _pages(ec2c, "describe_security_groups", "SecurityGroups")}
    instances = {i["InstanceId"]: {"state": i["State"]["Name"], "type": i["InstanceType"],
                                   "groups": sorted(g["GroupId"] for g in i.get("SecurityGroups", [])),
                                   "tags": sorted((t["Key"], t["Value"]) for t in i.get("Tags", []))}
                 for r in _pages(ec2c, "describe_instances", "Reservations") for i in r["Instances"]}
    vpcs = sorted((v["VpcId"], v["CidrBlock"], v.get("IsDefault")) for v in ec2c.describe_vpcs()["Vpcs"])
    subnets = sorted((s["SubnetId"], s["VpcId"], s["CidrBlock"]) for s in ec2c.describe_subnets()["Subnets"])
    return {"vpcs": vpcs, "subnets": subnets, "security_groups": groups, "instances": instances}


def rds(client: Client) -> dict:
    rdsc = client("rds")
    return {
        "clusters": {c["DBClusterIdentifier"]: {"status": c["Status"], "engine": c["Engine"],
                                                "deletion_protection": c.get("DeletionProtection"),
                                                "parameter_group": c.get("DBClusterParameterGroup"),
                                                "members": sorted(m["DBInstanceIdentifier"]
                                                                  for m in c.get("DBClusterMembers", []))}
                     for c in rdsc.describe_db_clusters()["DBClusters"]},
        "instances": {i["DBInstanceIdentifier"]: {"status": i["DBInstanceStatus"], "class": i["DBInstanceClass"],
                                                  "zone": i.get("AvailabilityZone")}
                      for i in rdsc.describe_db_instances()["DBInstances"]},
        "parameter_groups": sorted(g["DBParameterGroupName"]
                                   for g in rdsc.describe_db_parameter_groups()["DBParameterGroups"]),
        "cluster_parameter_groups": sorted(g["DBClusterParameterGroupName"] for g in
                                           rdsc.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]),
        "subnet_groups": sorted(g["DBSubnetGroupName"] for g in rdsc.describe_db_subnet_groups()["DBSubnetGroups"]),
        "cluster_snapshots": sorted(s["DBClusterSnapshotIdentifier"]
                                    for s in rdsc.describe_db_cluster_snapshots()["DBClusterSnapshots"]),
    }


def awslambda(client: Client) -> dict:
    lam = client("lambda")
    functions = {}
    for fn in _pages(lam, "list_functions", "Functions"):
        name = fn["FunctionName"]
        policy = _or_none(lambda n=name: lam.get_policy(FunctionName=n)["Policy"], "ResourceNotFoundException")
        invoke = _or_none(lambda n=name: lam.get_function_event_invoke_config(FunctionName=n),
                          "ResourceNotFoundException")
        functions[name] = {
            "code": fn["CodeSha256"], "modified": fn["LastModified"], "role": fn["Role"],
            "memory": fn["MemorySize"], "timeout": fn["Timeout"], "runtime": fn.get("Runtime"),
            "environment": (fn.get("Environment") or {}).get("Variables"),
            "concurrency": _strip(lam.get_function_concurrency(FunctionName=name)),
            "invoke_config": {k: v for k, v in (invoke or {}).items() if k not in ("ResponseMetadata",)} or None,
            "policy": json.loads(policy) if policy else None,
        }
    return functions


def sqs(client: Client) -> dict:
    sqsc = client("sqs")
    return {url: sqsc.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            for url in sqsc.list_queues().get("QueueUrls", [])}


def logs(client: Client) -> dict:
    logc = client("logs")
    return {g["logGroupName"]: {"retention": g.get("retentionInDays"), "created": g.get("creationTime"),
                                "tags": logc.list_tags_log_group(logGroupName=g["logGroupName"])["tags"]}
            for g in _pages(logc, "describe_log_groups", "logGroups")}


def autoscaling(client: Client) -> dict:
    asg = client("autoscaling")
    return {g["AutoScalingGroupName"]: {"min": g["MinSize"], "max": g["MaxSize"], "desired": g["DesiredCapacity"],
                                        "launch_template": g.get("LaunchTemplate"),
                                        "instances": sorted(i["InstanceId"] for i in g.get("Instances", []))}
            for g in _pages(asg, "describe_auto_scaling_groups", "AutoScalingGroups")}


def elbv2(client: Client) -> dict:
    elb = client("elbv2")
    return sorted((lb["LoadBalancerArn"], lb["State"]["Code"])
                  for lb in elb.describe_load_balancers()["LoadBalancers"])


def account_public_access_block(client: Client, account_id: str) -> dict | None:
    control = client("s3control")
    # s3control's endpoint rules put the account id in the host name; an emulator on an IP
    # address cannot take that prefix, so it is removed before signing (AWS keeps it).
    endpoint = control.meta.endpoint_url
    if "amazonaws.com" not in endpoint:
        control.meta.events.register(
            "before-sign.s3-control.*",
            lambda request, **_: setattr(request, "url", request.url.replace(f"://{account_id}.", "://", 1)))
    return _or_none(lambda: control.get_public_access_block(AccountId=account_id)["PublicAccessBlockConfiguration"],
                    "NoSuchPublicAccessBlockConfiguration")


KINDS: dict[str, Callable[[Client], Any]] = {
    "s3": s3, "iam": iam, "cloudformation": cloudformation, "ec2": ec2, "rds": rds, "lambda": awslambda,
    "sqs": sqs, "logs": logs, "autoscaling": autoscaling, "elbv2": elbv2,
}


def take(client: Client) -> dict:
    """One snapshot of every resource kind (see the module docstring)."""
    client = functools.cache(client)  # one client per service: creating them is most of the time
    snapshot = {kind: read(client) for kind, read in KINDS.items()}
    account = client("sts").get_caller_identity()["Account"]
    snapshot["s3_account_public_access_block"] = account_public_access_block(client, account)
    return snapshot


def differences(before: dict, after: dict) -> list[str]:
    """Where two snapshots differ (resource kind and name), for an assertion message."""
    found = []
    for kind in sorted(set(before) | set(after)):
        old, new = before.get(kind), after.get(kind)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            for name in sorted(set(old) | set(new), key=str):
                if old.get(name) != new.get(name):
                    found.append(f"{kind}: {name}: {old.get(name)!r} -> {new.get(name)!r}"[:600])
        else:
            found.append(f"{kind}: {old!r} -> {new!r}"[:600])
    return found
