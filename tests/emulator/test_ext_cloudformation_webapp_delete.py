"""Deleting the web-application stack (files/cloudformation/webapp.yaml) leaves nothing of
it behind, as on AWS: no VPC, subnet, gateway, route table, address, interface, security
group, running instance, load balancer, target group, launch template, Auto Scaling group,
log group, flow log, IAM role or bucket (fails on stock moto). The extensions that make it
so: emulator/extensions/ec2_instance_primary_network_interface.py, ec2_nat_gateway_delete.py,
cloudformation_ec2_*.py and cloudformation_elbv2_target_group.py."""

from __future__ import annotations

from tests.conftest import PROJECT_DIR

TEMPLATE = (PROJECT_DIR / "files" / "cloudformation" / "webapp.yaml").read_text()


def inventory(emu) -> dict[str, list[str]]:
    """What of the kinds the stack makes exists now (the default VPC's own parts aside)."""
    ec2, elbv2, autoscaling, iam = (emu.client(s) for s in ("ec2", "elbv2", "autoscaling", "iam"))
    default = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"]}
    return {
        "vpcs": [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v["VpcId"] not in default],
        "subnets": [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["VpcId"] not in default],
        "internet gateways": [g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]],
        "route tables": [t["RouteTableId"] for t in ec2.describe_route_tables()["RouteTables"]
                         if t["VpcId"] not in default],
        "NAT gateways not deleted": [n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"]
                                     if n["State"] != "deleted"],
        "Elastic IPs": [a["PublicIp"] for a in ec2.describe_addresses()["Addresses"]],
        "network interfaces": [n["NetworkInterfaceId"]
                               for n in ec2.describe_network_interfaces()["NetworkInterfaces"]],
        "security groups": [g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]
                            if g["VpcId"] not in default],
        "instances not terminated": [i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
                                     for i in r["Instances"] if i["State"]["Name"] != "terminated"],
        "launch templates": [t["LaunchTemplateId"] for t in ec2.describe_launch_templates()["LaunchTemplates"]],
        "flow logs": [f["FlowLogId"] for f in ec2.describe_flow_logs()["FlowLogs"]],
        "load balancers": [b["LoadBalancerArn"] for b in elbv2.describe_load_balancers()["LoadBalancers"]],
        "target groups": [g["TargetGroupArn"] for g in elbv2.describe_target_groups()["TargetGroups"]],
        "Auto Scaling groups": [g["AutoScalingGroupName"]
                                for g in autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]],
        "scaling policies": [p["PolicyName"] for p in autoscaling.describe_policies()["ScalingPolicies"]],
        "log groups": [g["logGroupName"] for g in emu.client("logs").describe_log_groups()["logGroups"]],
        "IAM roles": [r["RoleName"] for r in iam.list_roles()["Roles"] if r["Path"] != "/aws-service-role/"],
        "instance profiles": [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]],
        "buckets": [b["Name"] for b in emu.client("s3").list_buckets()["Buckets"]],
    }


def test_deleting_the_webapp_stack_leaves_only_the_retained_log_bucket(flavour):
    cfn = flavour.client("cloudformation")
    stack_id = cfn.create_stack(StackName="webapp", TemplateBody=TEMPLATE, Capabilities=["CAPABILITY_IAM"])["StackId"]
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    made = inventory(flavour)
    assert [kind for kind, found in made.items() if not found] == []  # the inventory sees every kind

    outputs = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["Outputs"]
    log_bucket = {o["OutputKey"]: o["OutputValue"] for o in outputs}["LoadBalancerLogBucketName"]
    cfn.delete_stack(StackName="webapp")
    stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
    assert stack["StackStatus"] == "DELETE_COMPLETE", events[0].get("ResourceStatusReason")
    # Everything goes but the access-log bucket, which the template retains
    # (DeletionPolicy: Retain) so the delete cannot fail on logs; teardown empties and deletes it.
    assert {kind: found for kind, found in inventory(flavour).items() if found} == {"buckets": [log_bucket]}
