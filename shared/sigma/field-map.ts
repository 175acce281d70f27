import type { SourceKind } from '../normalise/types.ts';
import { issue, type SigmaIssue } from './issues.ts';

/**
 * Sigma field names → paths in the RAW record of each product Vigil ingests.
 *
 * SigmaHQ's CloudTrail, Okta and GitHub rules already use the vendors' own field names
 * (`eventSource`, `userIdentity.arn`, `eventType`, `debugContext.debugData.requestUri`, `action`),
 * so the map is mostly a spelling check: the first segment must be a field the product's records
 * have. That turns a rule that could never match (e.g. a CloudTrail rule on `status`, which
 * CloudTrail does not have) into a reported, unsupported field instead of a silent dead rule.
 *
 * - CloudTrail and Okta records have a fixed top level (AWS "CloudTrail record contents", Okta
 *   System Log `LogEvent`): the list below is closed, and a Sigma field is canonicalised to the
 *   vendor's casing (older Sigma rules wrote `eventtype`, `displaymessage`).
 * - GitHub audit events carry action-specific top-level fields (`repo`, `team`, `hook_id`, …):
 *   the list is open, every field is accepted as written.
 *
 * Nested segments are kept as written; the record reader resolves each step exactly first and
 * case-insensitively as a fallback, because archives re-keyed by other tools (Panther
 * lowercases Okta keys: `debugcontext`, `securitycontext`) still carry the same data.
 */

export type SigmaProduct = 'aws' | 'okta' | 'github';
export const SIGMA_PRODUCTS: readonly SigmaProduct[] = ['aws', 'okta', 'github'];

export interface ProductProfile {
  readonly product: SigmaProduct;
  readonly label: string;
  readonly source: SourceKind;
  /** `logsource.service` values that mean this product's records (absent service is accepted). */
  readonly services: readonly string[];
  /** The raw field Vigil's engine indexes detections on (`triggerKey` in shared/detect/engine.ts). */
  readonly triggerField: string;
  /** Closed top-level field list in vendor casing; undefined = open schema. */
  readonly topLevel?: readonly string[];
  /** Sigma names that are not the vendor's (none needed by SigmaHQ's rules today). */
  readonly aliases: Readonly<Record<string, string>>;
}

const CLOUDTRAIL_FIELDS = [
  'eventVersion',
  'userIdentity',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestParameters',
  'responseElements',
  'additionalEventData',
  'requestID',
  'eventID',
  'readOnly',
  'resources',
  'eventType',
  'apiVersion',
  'managementEvent',
  'recipientAccountId',
  'serviceEventDetails',
  'sharedEventID',
  'vpcEndpointId',
  'vpcEndpointAccountId',
  'eventCategory',
  'addendum',
  'sessionCredentialFromConsole',
  'edgeDeviceDetails',
  'tlsDetails',
  'insightDetails',
];

const OKTA_FIELDS = [
  'uuid',
  'published',
  'eventType',
  'version',
  'severity',
  'legacyEventType',
  'displayMessage',
  'actor',
  'client',
  'device',
  'request',
  'outcome',
  'target',
  'transaction',
  'debugContext',
  'authenticationContext',
  'securityContext',
];

export const PRODUCTS: Readonly<Record<SigmaProduct, ProductProfile>> = {
  aws: {
    product: 'aws',
    label: 'AWS CloudTrail',
    source: 'cloudtrail',
    services: ['cloudtrail'],
    triggerField: 'eventName',
    topLevel: CLOUDTRAIL_FIELDS,
    aliases: {},
  },
  okta: {
    product: 'okta',
    label: 'Okta System Log',
    source: 'okta',
    services: ['okta'],
    triggerField: 'eventType',
    topLevel: OKTA_FIELDS,
    aliases: {},
  },
  github: {
    product: 'github',
    label: 'GitHub audit log',
    source: 'github',
    services: ['audit'],
    triggerField: 'action',
    aliases: {},
  },
};

export const isSigmaProduct = (p: unknown): p is SigmaProduct =>
  typeof p === 'string' && (SIGMA_PRODUCTS as readonly string[]).includes(p);

const canonical = new Map<SigmaProduct, Map<string, string>>(
  SIGMA_PRODUCTS.map((p) => [p, new Map((PRODUCTS[p].topLevel ?? []).map((f) => [f.toLowerCase(), f]))]),
);

const MAX_FIELD_LENGTH = 256;
const FIELD_NAME = /^[A-Za-z0-9_@$\-:. ]+$/;

export type FieldMapping = { ok: true; path: readonly string[] } | { ok: false; issue: SigmaIssue };

/** Maps one Sigma field name (without modifiers) onto a raw-record path for the product. */
export function mapField(product: SigmaProduct, sigmaField: string): FieldMapping {
  const profile = PRODUCTS[product];
  if (sigmaField.length === 0 || sigmaField.length > MAX_FIELD_LENGTH || !FIELD_NAME.test(sigmaField)) {
    return {
      ok: false,
      issue: issue('field', `field name '${sigmaField.slice(0, 80)}' is not a valid field name`),
    };
  }
  const aliased = Object.hasOwn(profile.aliases, sigmaField)
    ? (profile.aliases[sigmaField] as string)
    : sigmaField;
  const segments = aliased.split('.');
  if (segments.some((s) => s === '')) {
    return { ok: false, issue: issue('field', `field name '${sigmaField}' has an empty path segment`) };
  }
  if (profile.topLevel) {
    const head = canonical.get(product)?.get((segments[0] as string).toLowerCase());
    if (head === undefined) {
      return {
        ok: false,
        issue: issue('field', `field '${sigmaField}' is not a field of ${profile.label} records`),
      };
    }
    segments[0] = head;
  }
  return { ok: true, path: segments };
}
