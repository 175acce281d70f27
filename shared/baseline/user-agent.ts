/**
 * User agent families: the tool a principal drives, not its version. A principal that has only
 * ever used Terraform and the console and now calls from `python-requests` or a Kali build of the
 * CLI is the classic leaked-credential picture; a minor version bump of the CLI is not news.
 * Families are coarse on purpose: the finer the classes, the more benign churn is flagged.
 */

export const USER_AGENT_FAMILIES = [
  'aws-cli',
  'boto3',
  'aws-sdk-js',
  'aws-sdk-java',
  'aws-sdk-go',
  'aws-sdk-dotnet',
  'aws-sdk-other',
  'terraform',
  'console',
  'aws-service',
  'aws-agent',
  'scripting',
  'pentest',
  'unknown',
] as const;
export type UserAgentFamily = (typeof USER_AGENT_FAMILIES)[number];

/**
 * Only the head of a user agent is read: every marker below sits in the first few hundred
 * characters, and a hostile record may carry megabytes.
 */
const MAX_READ = 512;

/** Offensive distributions and frameworks name themselves in the OS or product token. */
const PENTEST = /\b(?:kali|parrot|pentoo|pacu)\b|kali\d|stratus-red-team/;
/** A call an AWS service made on the principal's behalf: the service's host name, or AWS's internal markers. */
const AWS_HOST = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com$/;
const CONSOLE_HOST = /^(?:console|signin|[a-z0-9-]+\.console|console\.[a-z0-9-]+)\.amazonaws\.com$/;
const AWS_AGENTS = [
  'amazon-ssm-agent',
  'amazoncloudwatchagent',
  'aws-cloudwatch-agent',
  'ec2-instance-connect',
];
const OTHER_SDKS = [
  'aws-sdk-ruby',
  'aws-sdk-php',
  'aws-sdk-rust',
  'aws-sdk-cpp',
  'aws-sdk-swift',
  'aws-sdk-kotlin',
  'awspowershell',
  'aws-tools-for-powershell',
];
const BROWSERS = ['mozilla/', 'opera/', 'safari/', 'chrome/', 'edg/'];
/** HTTP libraries and command-line fetchers: a human or a script talking to the API without an AWS SDK. */
const SCRIPTING = [
  'curl/',
  'wget/',
  'python-requests',
  'python-urllib',
  'python-httplib2',
  'python-httpx',
  'aiohttp',
  'go-http-client',
  'okhttp',
  'axios/',
  'node-fetch',
  'undici',
  'libwww-perl',
  'java/',
  'apache-httpclient',
  'ruby',
  'postmanruntime',
  'insomnia',
  'httpie',
  'windowspowershell',
  'powershell/',
];

const includesAny = (ua: string, needles: readonly string[]) => needles.some((n) => ua.includes(n));

/**
 * Classifies a user agent string. Order matters: the AWS CLI v1 names botocore, Terraform names
 * aws-sdk-go, a Kali build of the CLI is still the CLI — the more specific marker is tested first.
 */
export function userAgentFamily(userAgent: string): UserAgentFamily {
  const ua = userAgent.slice(0, MAX_READ).trim().toLowerCase();
  if (ua === '') return 'unknown';
  if (PENTEST.test(ua)) return 'pentest';
  if (ua === 'aws internal' || ua.startsWith('aws-internal/')) return 'aws-service';
  if (AWS_HOST.test(ua)) return CONSOLE_HOST.test(ua) ? 'console' : 'aws-service';
  if (ua.startsWith('aws-cli/') || ua.includes(' aws-cli/')) return 'aws-cli';
  if (ua.includes('terraform')) return 'terraform';
  if (ua.includes('boto3/') || ua.includes('botocore/') || ua.startsWith('aws-sdk-python')) return 'boto3';
  if (ua.includes('aws-sdk-js') || ua.includes('aws-sdk-nodejs')) return 'aws-sdk-js';
  if (ua.includes('aws-sdk-java')) return 'aws-sdk-java';
  if (ua.includes('aws-sdk-go')) return 'aws-sdk-go';
  if (ua.includes('aws-sdk-dotnet')) return 'aws-sdk-dotnet';
  if (includesAny(ua, OTHER_SDKS)) return 'aws-sdk-other';
  if (includesAny(ua, AWS_AGENTS)) return 'aws-agent';
  // Some exports wrap the browser string in brackets; "Mozilla" alone is a browser that said little.
  const bare = ua.startsWith('[') ? ua.slice(1) : ua;
  if (bare === 'mozilla' || includesAny(bare, BROWSERS)) return 'console';
  if (includesAny(ua, SCRIPTING)) return 'scripting';
  return 'unknown';
}
