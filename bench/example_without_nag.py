"""The example app, app.py, without cdk-nag: how much of its synth time cdk-nag takes.

app.py imports cdk_nag and registers AwsSolutionsChecks when it is run, and it may not be
changed for a benchmark, nor copied (a copy would drift from it). So this runs app.py itself,
unchanged, with two stand-ins: a ``cdk_nag`` module whose AwsSolutionsChecks is a placeholder,
so cdk-nag's jsii assembly never loads, and ``Validations.add_plugins`` doing nothing, so no
rule runs. The stack, its acknowledgements (plain aws-cdk-lib calls, cheap without a plugin to
read them) and the synth are app.py's own code.
"""

import runpy
import sys
import types

import aws_cdk as cdk

from .synth import REPOSITORY

if __name__ == "__main__":
    stand_in = types.ModuleType("cdk_nag")
    stand_in.AwsSolutionsChecks = lambda scope: None
    sys.modules["cdk_nag"] = stand_in
    cdk.Validations.add_plugins = lambda self, *plugins: None
    runpy.run_path(str(REPOSITORY / "app.py"), run_name="__main__")
