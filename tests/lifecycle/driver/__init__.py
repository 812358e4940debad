"""Drives a synthesized stack the way CloudFormation and the CDK Provider framework would."""
