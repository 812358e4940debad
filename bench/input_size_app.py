"""One batch inference job on the local input file named by BENCH_INPUT_FILE: what synthesizing
an input of that size costs. Run as a script, so that PYTHONPATH picks the library's checkout."""

import os

import aws_cdk as cdk

from personalize_batch_constructs import BatchInferenceJob, BatchInput

if __name__ == "__main__":
    app = cdk.App()
    stack = cdk.Stack(app, "BenchInputSize")
    BatchInferenceJob(
        stack,
        "Job",
        # The large-input deploy runs the job on the emulator, which knows only the versions it was given.
        solution_version_arn=os.environ.get(
            "BENCH_SOLUTION_VERSION_ARN", "arn:aws:personalize:us-east-1:111122223333:solution/movies/1a2b3c"
        ),
        input=BatchInput.from_asset(os.environ["BENCH_INPUT_FILE"]),
    )
    app.synth()
