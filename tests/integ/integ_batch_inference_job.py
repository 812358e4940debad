"""Integration test: one batch inference job on the example input (10 users), deployed and checked
in a real account by integ-runner; offline, integ-runner compares its snapshot.

The solution version comes from PERSONALIZE_BATCH_INTEG_SOLUTION_VERSION_ARN (a trained
User-Personalization version in the Region of the deploy); without it, a dummy ARN that the
committed snapshot has.
"""

from job_under_test import solution_version_arn, synth_integ_test

from personalize_batch_constructs import BatchInferenceJob

synth_integ_test(
    BatchInferenceJob,
    stack_name="PersonalizeBatchIntegInference",
    input_file="users.json",
    arn=solution_version_arn(
        "PERSONALIZE_BATCH_INTEG_SOLUTION_VERSION_ARN",
        "arn:aws:personalize:us-east-1:111122223333:solution/integ-dummy/0123abcd",
    ),
    num_results=10,
)
