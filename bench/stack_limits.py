"""The CloudFormation, S3 and IAM limits a synthesized stack must fit, and how much of each it
uses. Policy sizes are measured after resolving the template's references with realistic names
as long as CloudFormation makes them, since the services count the resolved text."""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from tests.lifecycle.driver.intrinsics import NO_VALUE, ResolutionContext, resolve

from .synth import only_stack

ACCOUNT = "111122223333"
REGION = "us-east-1"
BUCKET_NAME_LENGTH = 63  # S3's maximum; CloudFormation's generated names reach it for long stack names
ROLE_NAME_LENGTH = 64  # IAM's maximum, likewise
_FILLER = "a1b2c3d4e5f6g7h8i9j0" * 4


@dataclass(frozen=True)
class Limit:
    name: str
    maximum: int
    unit: str


RESOURCES = Limit("resources in the stack", 500, "resources")
# "1 MB" on CloudFormation's quota page; read as 10^6 bytes, the stricter reading.
TEMPLATE = Limit("template body, as uploaded to S3", 1_000_000, "bytes")
BUCKET_POLICY = Limit("largest S3 bucket policy", 20_480, "bytes")
ROLE_INLINE = Limit("most inline policy in one role", 10_240, "chars")
ROLE_MANAGED = Limit("most managed policies on one role", 10, "policies")
MANAGED_POLICY = Limit("largest IAM managed policy", 6_144, "chars")
LIMITS = (RESOURCES, TEMPLATE, BUCKET_POLICY, ROLE_INLINE, ROLE_MANAGED, MANAGED_POLICY)


@dataclass(frozen=True)
class StackUsage:
    usage: dict[str, int]
    """How much of each limit the stack uses, by limit name: the largest policy, the role with most."""
    where: dict[str, str]
    """The logical id using the most of each per-resource limit, by limit name."""
    lambda_functions: int

    @property
    def resources(self) -> int:
        return self.usage[RESOURCES.name]

    def exceeded(self) -> list[Limit]:
        return [limit for limit in LIMITS if self.usage[limit.name] > limit.maximum]

    def describe(self, limit: Limit) -> str:
        """The use of one limit, and where it is largest: ``6,204 chars (PersonalizeRoleOverflowPolicy1)``."""
        # Logical ids end in an 8-digit hash of the construct path, noise to a reader.
        where = f" ({re.sub('[0-9A-F]{8}$', '', self.where[limit.name])})" if limit.name in self.where else ""
        return f"{self.usage[limit.name]:,} {limit.unit}{where}"


def stack_usage(outdir: Path) -> StackUsage:
    """What the one stack synthesized into ``outdir`` uses."""
    stack_name, path = only_stack(outdir)
    template = json.loads(path.read_text())
    resources = template["Resources"]
    context = _realistic_names(stack_name, resources)

    def size(document: dict) -> int:
        # S3 and IAM count the policy as sent, without the whitespace CDK's indentation adds.
        return len(json.dumps(resolve(document, context), separators=(",", ":")))

    def of_type(resource_type: str) -> dict[str, dict]:
        return {lid: res["Properties"] for lid, res in resources.items() if res["Type"] == resource_type}

    roles = of_type("AWS::IAM::Role")
    inline = {
        role: sum(size(policy["PolicyDocument"]) for policy in props.get("Policies", []))
        for role, props in roles.items()
    }
    managed = {role: len(props.get("ManagedPolicyArns", [])) for role, props in roles.items()}
    for policy in of_type("AWS::IAM::Policy").values():
        for role in _role_ids(policy.get("Roles", [])):
            inline[role] += size(policy["PolicyDocument"])
    managed_sizes = {}
    for logical_id, policy in of_type("AWS::IAM::ManagedPolicy").items():
        managed_sizes[logical_id] = size(policy["PolicyDocument"])
        for role in _role_ids(policy.get("Roles", [])):
            managed[role] += 1
    per_resource = {
        BUCKET_POLICY.name: {
            lid: size(props["PolicyDocument"]) for lid, props in of_type("AWS::S3::BucketPolicy").items()
        },
        ROLE_INLINE.name: inline,
        ROLE_MANAGED.name: managed,
        MANAGED_POLICY.name: managed_sizes,
    }
    usage = {
        RESOURCES.name: len(resources),
        # The default synthesizer publishes the template file as written, indentation and all.
        TEMPLATE.name: path.stat().st_size,
        **{name: max(amounts.values(), default=0) for name, amounts in per_resource.items()},
    }
    where = {name: max(amounts, key=amounts.get) for name, amounts in per_resource.items() if amounts}
    return StackUsage(usage, where, lambda_functions=len(of_type("AWS::Lambda::Function")))


def _role_ids(references: list) -> list[str]:
    """The roles of this stack a policy's Roles list names (``{"Ref": logical id}``)."""
    return [reference["Ref"] for reference in references if isinstance(reference, dict) and "Ref" in reference]


def _realistic_names(stack_name: str, resources: dict[str, dict]) -> ResolutionContext:
    """References resolved to values of the longest length their service allows, the way
    CloudFormation names resources: stack name, logical id, random suffix, cut to the limit."""

    def name(logical_id: str, length: int) -> str:
        return f"{stack_name}-{logical_id}-{_FILLER}"[:length]

    def ref(logical_id: str):
        pseudo = {
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": REGION,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
            "AWS::NoValue": NO_VALUE,
        }
        if logical_id in pseudo:
            return pseudo[logical_id]
        resource_type = resources.get(logical_id, {}).get("Type")
        if resource_type == "AWS::S3::Bucket":
            return name(logical_id, BUCKET_NAME_LENGTH).lower()
        if resource_type == "AWS::IAM::ManagedPolicy":
            return f"arn:aws:iam::{ACCOUNT}:policy/{name(logical_id, 128)}"
        if resource_type == "AWS::StepFunctions::StateMachine":
            return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name(logical_id, 80)}"
        # A parameter, or another resource's generated name.
        return name(logical_id, ROLE_NAME_LENGTH)

    def get_att(logical_id: str, attribute: str):
        resource_type = resources.get(logical_id, {}).get("Type")
        arns = {
            "AWS::S3::Bucket": f"arn:aws:s3:::{ref(logical_id)}",
            "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT}:role/{ref(logical_id)}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{ref(logical_id)}",
            "AWS::Logs::LogGroup": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{ref(logical_id)}:*",
            "AWS::KMS::Key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{_FILLER[:36]}",
        }
        if attribute == "Arn" and resource_type in arns:
            return arns[resource_type]
        return name(f"{logical_id}.{attribute}", 100)

    return ResolutionContext(ref=ref, get_att=get_att, condition=lambda _name: True)
