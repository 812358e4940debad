"""Integration test: one batch segment job on the example items (3 items), deployed and checked in
a real account by integ-runner; offline, integ-runner compares its snapshot.

The solution version comes from PERSONALIZE_BATCH_INTEG_SEGMENTATION_VERSION_ARN (a version
trained with Item-Affinity, a USER_SEGMENTATION recipe, in the Region of the deploy); without
it, a dummy ARN that the committed snapshot has. Deploy it only when you have such a version.
"""

from job_under_test import solution_version_arn, synth_integ_test

from personalize_batch_constructs import BatchSegmentJob

synth_integ_test(
    BatchSegmentJob,
    stack_name="PersonalizeBatchIntegSegment",
    input_file="items.json",
    arn=solution_version_arn(
        "PERSONALIZE_BATCH_INTEG_SEGMENTATION_VERSION_ARN",
        "arn:aws:personalize:us-east-1:111122223333:solution/integ-dummy-segments/4567cdef",
    ),
    num_results=100,
)
