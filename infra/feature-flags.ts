/**
 * CDK feature flags the templates depend on. They live in code, not only in cdk.json, so the CLI
 * and the in-process test synth produce the same templates; context from cdk.json or `-c` wins.
 */
export const FEATURE_FLAGS: Readonly<Record<string, unknown>> = {
  // Merge statements that differ only in actions or resources: smaller, reviewable policies.
  '@aws-cdk/aws-iam:minimizePolicies': true,
  // Server access logs are admitted by a bucket policy conditioned on the source bucket, not an ACL.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  // Every event-bus policy statement carries a Sid, so statements can be told apart and replaced.
  '@aws-cdk/aws-events:requireEventBusPolicySid': true,
  // CDK's own warnings join the cdk-nag findings in the validation report, acknowledged the same way.
  '@aws-cdk/core:annotationsInValidationReport': true,
  // Exports and imports: CloudFormation then refuses to delete the stateful stack while compute
  // still uses it, one more guard against losing data by accident.
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
  // Template errors found by CDK's built-in CloudFormation checks fail the synth instead of warning.
  '@aws-cdk/core:validateAgainstDefaultRules': true,
};
