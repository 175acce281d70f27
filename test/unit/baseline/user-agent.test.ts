import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { USER_AGENT_FAMILIES, userAgentFamily } from '../../../shared/baseline/user-agent.ts';
import { labelledEvents } from '../../support/data.ts';

/** Every distinct user agent of the labelled CloudTrail records (real, from panther-analysis). */
const realAgents = (): string[] => {
  const agents = new Set<string>();
  for (const e of labelledEvents('panther_aws_cloudtrail.ndjson')) {
    const ua = (e as { userAgent?: unknown }).userAgent;
    if (typeof ua === 'string') agents.add(ua);
  }
  return [...agents];
};

describe('userAgentFamily', () => {
  const agents = realAgents();

  it.each([
    ['aws-cli/2.13.0 Python/3.11.4 Linux/5.10.0-1234-aws exe/x86_64.ubuntu.22', 'aws-cli'],
    ['aws-cli/1.15.42 Python/3.6.1 Darwin/17.7.0 botocore/1.10.42', 'aws-cli'],
    ['Boto3/1.26.0 Python/3.9.0', 'boto3'],
    ['aws-sdk-go/1.15.12 (go1.12.6; linux; amd64)', 'aws-sdk-go'],
    [
      'aws-sdk-go-v2/1.14.0 os/macos lang/go/1.17.6 md/GOOS/darwin md/GOARCH/arm64 api/iam/1.17.0',
      'aws-sdk-go',
    ],
    ['aws-sdk-java/2.20.0', 'aws-sdk-java'],
    [
      'aws-sdk-go/1.29.7 (go1.13.7; darwin; amd64) APN/1.0 HashiCorp/1.0 Terraform/0.12.24 (+https://www.terraform.io)',
      'terraform',
    ],
    ['console.amazonaws.com', 'console'],
    ['console.ec2.amazonaws.com', 'console'],
    ['signin.amazonaws.com', 'console'],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'console',
    ],
    [
      '[Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/1.2.3.4 Safari/537.36]',
      'console',
    ],
    ['Mozilla', 'console'],
    ['cloudformation.amazonaws.com', 'aws-service'],
    ['AWS Internal', 'aws-service'],
    [
      'aws-internal/3 aws-sdk-java/1.11.1030 Linux/5.4.116-64.217.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.302-b08 java/1.8.0_302 vendor/Oracle_Corporation cfg/retry-mode/legacy',
      'aws-service',
    ],
    ['amazon-ssm-agent/3.2.0', 'aws-agent'],
    ['python-requests/2.28.0', 'scripting'],
    ['Python-httplib2/0.8 (gzip)', 'scripting'],
    ['stratus-red-team_8b255a24-d33d-4750-bd4b-4007124741df', 'pentest'],
    [
      'APN/1.0 HashiCorp/1.0 Terraform/1.1.2 (+https://www.terraform.io) terraform-provider-aws/3.76.1 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go/1.44.157 (go1.19.3; darwin; arm64) stratus-red-team_83c9a458-ffab-4d43-8b02-9691311e8c0a HashiCorp-terraform-exec/0.17.3',
      'pentest',
    ],
    ['sample-user-agent', 'unknown'],
    ['<Victim browser user agent>', 'unknown'],
  ])('classifies the real user agent %s as %s', (ua, family) => {
    expect(agents).toContain(ua);
    expect(userAgentFamily(ua)).toBe(family);
  });

  it.each([
    ['aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2023 prompt/off', 'pentest'],
    ['Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.6.9-amd64 Pacu/1.5.2', 'pentest'],
    ['aws-sdk-js/3.540.0 ua/2.1 os/linux#6.1.0 lang/js md/nodejs#20.11.1 api/s3#3.540.0', 'aws-sdk-js'],
    ['aws-sdk-dotnet-coreclr/3.7.300.0 aws-sdk-dotnet-core/3.7.300.0 .NET_Core/6.0.0', 'aws-sdk-dotnet'],
    ['curl/8.4.0', 'scripting'],
    ['Go-http-client/1.1', 'scripting'],
    ['terraform-provider-aws/5.42.0 (+https://registry.terraform.io) aws-sdk-go-v2/1.26.0', 'terraform'],
    ['', 'unknown'],
  ])('classifies %s as %s', (ua, family) => {
    expect(userAgentFamily(ua)).toBe(family);
  });

  it('puts every real CloudTrail user agent in a known family, and mostly not in unknown', () => {
    const families = agents.map(userAgentFamily);
    for (const f of families) expect(USER_AGENT_FAMILIES).toContain(f);
    const unknown = agents.filter((ua) => userAgentFamily(ua) === 'unknown');
    // The placeholders test authors wrote ("sample-user-agent", "aws sdk", a bare uuid) and nothing else.
    expect(unknown.length).toBeLessThanOrEqual(6);
  });

  it('reads only the head of a hostile, huge user agent', () => {
    expect(userAgentFamily(`${'x'.repeat(1_000_000)} curl/8.4.0`)).toBe('unknown');
    expect(userAgentFamily(`curl/8.4.0 ${'x'.repeat(1_000_000)}`)).toBe('scripting');
  });

  it('is total: any string gets one of the families', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (ua) => {
        expect(USER_AGENT_FAMILIES).toContain(userAgentFamily(ua));
      }),
      { numRuns: 1000 },
    );
  });
});
