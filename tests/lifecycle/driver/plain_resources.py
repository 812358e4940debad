"""The non-custom resources of a CDK stack, provisioned on moto or recorded by name.

S3 buckets, bucket policies, IAM roles and policies become real moto resources, because the
handler and the Personalize emulator read them. Everything else (functions, log groups, state
machines, keys) only gets a name and an ARN, which is all the stack's references need.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass, field

from ..local_aws import ACCOUNT_ID, REGION, client


@dataclass
class Provisioned:
    physical_id: str
    attributes: dict = field(default_factory=dict)


class PlainResources:
    def __init__(self, aws_endpoint_url: str, stack_name: str):
        self._s3 = client("s3", aws_endpoint_url)
        self._iam = client("iam", aws_endpoint_url)
        self._stack_name = stack_name

    def create(self, logical_id: str, resource_type: str, properties: dict) -> Provisioned:
        name = _physical_name(self._stack_name, logical_id)
        if resource_type == "AWS::S3::Bucket":
            bucket = properties.get("BucketName") or name.lower()[:63]
            self._s3.create_bucket(Bucket=bucket)
            return Provisioned(
                bucket,
                {
                    "Arn": f"arn:aws:s3:::{bucket}",
                    "DomainName": f"{bucket}.s3.amazonaws.com",
                    "RegionalDomainName": f"{bucket}.s3.{REGION}.amazonaws.com",
                },
            )
        if resource_type == "AWS::IAM::Role":
            role = properties.get("RoleName") or name[:64]
            self._iam.create_role(
                RoleName=role, AssumeRolePolicyDocument=json.dumps(properties["AssumeRolePolicyDocument"])
            )
            for policy in properties.get("Policies", []):
                self._put_role_policy(role, policy["PolicyName"], policy["PolicyDocument"])
            return Provisioned(
                role, {"Arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{role}", "RoleId": f"AROA{_digest(role, 17).upper()}"}
            )
        if resource_type == "AWS::Lambda::Function":
            function = properties.get("FunctionName") or name[:64]
            return Provisioned(function, {"Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function}"})
        if resource_type == "AWS::StepFunctions::StateMachine":
            arn = f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{name}"
            return Provisioned(arn, {"Arn": arn, "Name": name})
        if resource_type == "AWS::KMS::Key":
            key_id = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
            return Provisioned(key_id, {"Arn": f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{key_id}", "KeyId": key_id})
        if resource_type == "AWS::Logs::LogGroup":
            group = properties.get("LogGroupName") or name
            return Provisioned(group, {"Arn": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{group}:*"})
        if resource_type == "AWS::IAM::ManagedPolicy":
            arn = self._iam.create_policy(
                PolicyName=name[:128], PolicyDocument=json.dumps(properties["PolicyDocument"])
            )["Policy"]["Arn"]
            self._attach(arn, properties)
            return Provisioned(arn, {"PolicyArn": arn})
        provisioned = Provisioned(name, {"Arn": f"arn:aws:placeholder:{REGION}:{ACCOUNT_ID}:{name}"})
        self.update(logical_id, resource_type, properties, {}, provisioned)
        return provisioned

    def update(
        self, logical_id: str, resource_type: str, properties: dict, old_properties: dict, current: Provisioned
    ) -> None:
        if resource_type == "AWS::S3::BucketPolicy":
            self._s3.put_bucket_policy(Bucket=properties["Bucket"], Policy=json.dumps(properties["PolicyDocument"]))
        elif resource_type == "AWS::IAM::Policy":
            for role in properties.get("Roles", []):
                self._put_role_policy(role, properties["PolicyName"], properties["PolicyDocument"])
        elif resource_type == "AWS::IAM::ManagedPolicy":
            self._put_managed_policy(current, properties)
        elif resource_type == "AWS::IAM::Role":
            self._iam.update_assume_role_policy(
                RoleName=current.physical_id, PolicyDocument=json.dumps(properties["AssumeRolePolicyDocument"])
            )

    def delete(self, resource_type: str, properties: dict, current: Provisioned) -> None:
        if resource_type == "AWS::S3::Bucket":
            listing = self._s3.list_objects_v2(Bucket=current.physical_id).get("Contents", [])
            for item in listing:
                self._s3.delete_object(Bucket=current.physical_id, Key=item["Key"])
            self._s3.delete_bucket(Bucket=current.physical_id)
        elif resource_type == "AWS::S3::BucketPolicy":
            self._s3.delete_bucket_policy(Bucket=properties["Bucket"])
        elif resource_type == "AWS::IAM::Policy":
            for role in properties.get("Roles", []):
                self._iam.delete_role_policy(RoleName=role, PolicyName=properties["PolicyName"])
        elif resource_type == "AWS::IAM::ManagedPolicy":
            for role in properties.get("Roles", []):
                self._iam.detach_role_policy(RoleName=role, PolicyArn=current.physical_id)
            for version in self._iam.list_policy_versions(PolicyArn=current.physical_id)["Versions"]:
                if not version["IsDefaultVersion"]:
                    self._iam.delete_policy_version(PolicyArn=current.physical_id, VersionId=version["VersionId"])
            self._iam.delete_policy(PolicyArn=current.physical_id)
        elif resource_type == "AWS::IAM::Role":
            for policy in self._iam.list_role_policies(RoleName=current.physical_id)["PolicyNames"]:
                self._iam.delete_role_policy(RoleName=current.physical_id, PolicyName=policy)
            self._iam.delete_role(RoleName=current.physical_id)

    def _put_role_policy(self, role: str, policy_name: str, document: dict) -> None:
        self._iam.put_role_policy(RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(document))

    def _put_managed_policy(self, current: Provisioned, properties: dict) -> None:
        self._iam.create_policy_version(
            PolicyArn=current.physical_id, PolicyDocument=json.dumps(properties["PolicyDocument"]), SetAsDefault=True
        )
        self._attach(current.physical_id, properties)

    def _attach(self, policy_arn: str, properties: dict) -> None:
        for role in properties.get("Roles", []):
            self._iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)


def _physical_name(stack_name: str, logical_id: str) -> str:
    # CloudFormation's pattern: <stack>-<logical id>-<random suffix>; a digest keeps runs reproducible.
    return f"{stack_name[:20]}-{logical_id[:30]}-{_digest(stack_name + logical_id, 12).upper()}"


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]
