"""The Model Registry in the embedded AWS: SageMaker model package groups (their versions
are the pipeline's, registered by RegisterModel; infra.teardown deletes them with the group).
"""

from __future__ import annotations

from localcloud.deploy.resources import AwsApi, Created, ResourceRequest, emulates, tag_list, tagged


@emulates(
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
    "modelPackageGroupName modelPackageGroupDescription tags region",
)
def _model_package_group(api: AwsApi, r: ResourceRequest) -> Created:
    name = str(r["modelPackageGroupName"])
    arn = api.client("sagemaker", r.region).create_model_package_group(
        ModelPackageGroupName=name,
        **r.params({"modelPackageGroupDescription": "ModelPackageGroupDescription"}),
        **({"Tags": tag_list(r.tags())} if r.tags() else {}),
    )["ModelPackageGroupArn"]
    # The provider's id is the group's name (`terraform import` takes the name).
    return Created(name, tagged(r, {"modelPackageGroupName": name, "arn": arn}), arn)
