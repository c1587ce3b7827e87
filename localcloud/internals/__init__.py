"""The only modules that touch private internals of the libraries localcloud builds on.

`pulumi_sdk`: what running the Pulumi program without the engine needs beyond Pulumi's
documented unit-test mocks. `moto_private`: every moto name localcloud imports besides
`moto.mock_aws` (classes it patches or subclasses, backends it reads, modules of moto's
Step Functions interpreter). After upgrading pulumi or moto, re-verify these two modules
(tests/localcloud/test_internals.py says which).
"""
