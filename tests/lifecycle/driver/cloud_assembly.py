"""Reads what `cdk synth` wrote: a stack's template and where each of its file assets lives."""

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileAsset:
    """One entry of the assets manifest, as the CDK CLI publishes it."""

    source: Path
    packaging: str
    """"file" (uploaded as it is) or "zip" (a folder, archived)."""
    bucket_name: str
    """With ${AWS::AccountId} and ${AWS::Region} placeholders, as the manifest writes it."""
    object_key: str


@dataclass(frozen=True)
class StackArtifact:
    name: str
    template: dict
    file_assets: tuple[FileAsset, ...]

    @property
    def assets(self) -> dict[str, Path]:
        """Source folder or file of each file asset, by the S3 object key the template names."""
        return {asset.object_key: asset.source for asset in self.file_assets}

    @property
    def resources(self) -> dict[str, dict]:
        return self.template["Resources"]

    def asset(self, object_key: str) -> Path:
        if object_key not in self.assets:
            raise KeyError(f"stack {self.name} has no file asset published as {object_key!r}")
        return self.assets[object_key]


def read_stack(outdir: Path, stack_name: str) -> StackArtifact:
    outdir = Path(outdir)
    manifest = json.loads((outdir / "manifest.json").read_text())
    artifact = manifest["artifacts"].get(stack_name)
    if artifact is None or artifact["type"] != "aws:cloudformation:stack":
        raise KeyError(f"{outdir} holds no stack named {stack_name!r}")
    template = json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
    return StackArtifact(name=stack_name, template=template, file_assets=_file_assets(outdir, stack_name))


def _file_assets(outdir: Path, stack_name: str) -> tuple[FileAsset, ...]:
    asset_manifest = outdir / f"{stack_name}.assets.json"
    if not asset_manifest.exists():
        return ()
    return tuple(
        FileAsset(
            source=outdir / entry["source"]["path"],
            packaging=entry["source"].get("packaging", "file"),
            bucket_name=destination["bucketName"],
            object_key=destination["objectKey"],
        )
        for entry in json.loads(asset_manifest.read_text()).get("files", {}).values()
        for destination in entry["destinations"].values()
    )
