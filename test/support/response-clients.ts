/** Real SDK v3 clients for the response actions, with dummy credentials; tests mock them with aws-sdk-client-mock. */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import type { ResponseClients } from '../../shared/respond/action.ts';

export function testResponseClients(region = 'us-east-1'): ResponseClients {
  const config = { region, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } };
  return {
    iam: new IAMClient(config),
    ec2: new EC2Client(config),
    autoscaling: new AutoScalingClient(config),
    s3: new S3Client(config),
    wafv2: new WAFV2Client(config),
  };
}
