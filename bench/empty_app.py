"""A CDK app with one empty stack: what any synth costs before the first construct (the Python
interpreter, the jsii runtime in Node.js, aws-cdk-lib's assembly, writing cdk.out)."""

import aws_cdk as cdk

if __name__ == "__main__":
    app = cdk.App()
    cdk.Stack(app, "BenchEmpty")
    app.synth()
