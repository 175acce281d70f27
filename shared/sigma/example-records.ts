import type { SigmaProduct } from './field-map.ts';

/**
 * Realistic raw records of each product, the canvas that generated Sigma test cases are painted
 * on. They carry every field the normalisers need (CloudTrail: eventVersion, eventTime,
 * eventSource, eventName, userIdentity, awsRegion, sourceIPAddress, recipientAccountId, eventID;
 * Okta: uuid, published, eventType, actor, outcome, client, severity, version; GitHub: action,
 * actor, @timestamp/created_at, org, _document_id) and documentation-range addresses
 * (RFC 5737) so no real party is named. Deterministic: ids and times derive from a seed and an
 * index, never from a clock or randomness.
 */

const BASE_TIME = Date.UTC(2026, 2, 2, 10, 0, 0);

export interface Stamp {
  /** Distinguishes the rule (a hash of its id or title). */
  readonly seed: string;
  /** Position in a multi-record case; one second apart. */
  readonly index: number;
}

const eventId = ({ seed, index }: Stamp): string =>
  `${seed.padEnd(8, '0').slice(0, 8)}-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;

const timeOf = ({ index }: Stamp): number => BASE_TIME + index * 1000;

export function baseRecord(product: SigmaProduct, stamp: Stamp): Record<string, unknown> {
  switch (product) {
    case 'aws':
      return cloudTrail(stamp);
    case 'okta':
      return okta(stamp);
    case 'github':
      return github(stamp);
  }
}

/** Re-stamps id and time of a record built for one position so it can stand at another. */
export function restamp(
  product: SigmaProduct,
  record: Record<string, unknown>,
  stamp: Stamp,
): Record<string, unknown> {
  const copy = structuredClone(record);
  const time = timeOf(stamp);
  if (product === 'aws') {
    copy.eventID = eventId(stamp);
    copy.eventTime = new Date(time).toISOString().replace('.000Z', 'Z');
  } else if (product === 'okta') {
    copy.uuid = eventId(stamp);
    copy.published = new Date(time).toISOString();
  } else {
    copy._document_id = `${stamp.seed.slice(0, 8)}doc${stamp.index.toString().padStart(6, '0')}`;
    copy['@timestamp'] = time;
    copy.created_at = time;
  }
  return copy;
}

function cloudTrail(stamp: Stamp): Record<string, unknown> {
  return restamp(
    'aws',
    {
      eventVersion: '1.09',
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDAEXAMPLEPRINCIPAL1',
        arn: 'arn:aws:iam::123456789012:user/alice',
        accountId: '123456789012',
        accessKeyId: 'AKIAEXAMPLEACCESSKEY',
        userName: 'alice',
      },
      eventTime: '',
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetCallerIdentity',
      awsRegion: 'us-east-1',
      sourceIPAddress: '203.0.113.10',
      userAgent: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.ubuntu.22',
      requestParameters: null,
      responseElements: null,
      requestID: 'f2b9a4c1-0000-4000-8000-0000000000aa',
      eventID: '',
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '123456789012',
      eventCategory: 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: 'sts.amazonaws.com',
      },
    },
    stamp,
  );
}

function okta(stamp: Stamp): Record<string, unknown> {
  return restamp(
    'okta',
    {
      uuid: '',
      published: '',
      eventType: 'user.session.start',
      version: '0',
      severity: 'INFO',
      legacyEventType: 'core.user_auth.login_success',
      displayMessage: 'User login to Okta',
      actor: {
        id: '00u1examplealice0001',
        type: 'User',
        alternateId: 'alice@example.com',
        displayName: 'Alice Example',
      },
      client: {
        userAgent: {
          rawUserAgent:
            'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
          os: 'Mac OS X',
          browser: 'SAFARI',
        },
        zone: 'null',
        device: 'Computer',
        ipAddress: '203.0.113.20',
        geographicalContext: {
          city: 'Example City',
          state: 'Example State',
          country: 'United States',
          postalCode: '00000',
        },
      },
      authenticationContext: { authenticationStep: 0, externalSessionId: '102exampleSession0001' },
      outcome: { result: 'SUCCESS' },
      target: [
        {
          id: '0oa1exampleapp0001',
          type: 'AppInstance',
          alternateId: 'Example App',
          displayName: 'Example App',
        },
      ],
      transaction: { type: 'WEB', id: 'YexampleTransaction01', detail: {} },
      debugContext: {
        debugData: {
          requestId: 'YexampleRequest000001',
          requestUri: '/idp/idx/identify',
          url: '/idp/idx/identify?',
        },
      },
      securityContext: {
        asNumber: 64496,
        asOrg: 'example isp',
        isp: 'example isp',
        domain: 'example.net',
        isProxy: false,
      },
      request: { ipChain: [{ ip: '203.0.113.20', version: 'V4' }] },
    },
    stamp,
  );
}

function github(stamp: Stamp): Record<string, unknown> {
  return restamp(
    'github',
    {
      '@timestamp': 0,
      _document_id: '',
      action: 'repo.create',
      actor: 'octocat',
      actor_id: 583231,
      actor_ip: '203.0.113.30',
      actor_location: { country_code: 'US' },
      business: 'example-enterprise',
      created_at: 0,
      operation_type: 'create',
      org: 'example-org',
      org_id: 1000001,
      repo: 'example-org/example-repo',
      repo_id: 2000002,
      user_agent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
      visibility: 'private',
    },
    stamp,
  );
}

/** Where a generated keyword goes: a free-text field of each product. */
export const KEYWORD_SLOT: Readonly<Record<SigmaProduct, readonly string[]>> = {
  aws: ['additionalEventData', 'note'],
  okta: ['debugContext', 'debugData', 'note'],
  github: ['note'],
};

/** FNV-1a, hex: a stable seed from a rule id or title. */
export function seedOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
