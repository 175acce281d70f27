import { createHash } from 'node:crypto';
import { OCSF_VERSION, OcsfClass, SEVERITY_NAMES, SeverityId, typeUid } from '../ocsf/constants.ts';
import type {
  OcsfApi,
  OcsfCloud,
  OcsfEndpoint,
  OcsfEvent,
  OcsfFindingInfo,
  OcsfLocation,
} from '../ocsf/types.ts';
import { dnsName, type Fields, fields, ip, list, MAX_STRING, num, port, put, str } from './util-fields.ts';

/**
 * What GuardDuty findings and Security Hub (ASFF) findings share as OCSF Detection Findings (2004).
 * GuardDuty writes camelCase keys and ASFF the same names in PascalCase, so one reader serves both
 * through a table of key names built once per spelling.
 */

export const FindingActivityId = { Create: 1, Update: 2, Close: 3 } as const;
const FINDING_ACTIVITY_NAMES = new Map<number, string>([
  [1, 'Create'],
  [2, 'Update'],
  [3, 'Close'],
]);

export const FindingStatusId = {
  Unknown: 0,
  New: 1,
  InProgress: 2,
  Suppressed: 3,
  Resolved: 4,
  Other: 99,
} as const;

/** GuardDuty's documented bands: 1.0–3.9 Low, 4.0–6.9 Medium, 7.0–8.9 High, 9.0–10.0 Critical. */
export function guardDutySeverity(score: number | undefined): number {
  if (score === undefined || score < 0) return SeverityId.Unknown;
  if (score < 4) return SeverityId.Low;
  if (score < 7) return SeverityId.Medium;
  if (score < 9) return SeverityId.High;
  return SeverityId.Critical;
}

const ASFF_LABELS = new Map<string, number>([
  ['INFORMATIONAL', SeverityId.Informational],
  ['LOW', SeverityId.Low],
  ['MEDIUM', SeverityId.Medium],
  ['HIGH', SeverityId.High],
  ['CRITICAL', SeverityId.Critical],
]);

/** ASFF `Severity.Normalized` bands (0, 1–39, 40–69, 70–89, 90–100), for findings without a Label. */
function normalizedSeverity(score: number): number {
  if (score < 0 || score > 100) return SeverityId.Unknown;
  if (score === 0) return SeverityId.Informational;
  if (score < 40) return SeverityId.Low;
  if (score < 70) return SeverityId.Medium;
  if (score < 90) return SeverityId.High;
  return SeverityId.Critical;
}

/** `Severity` is what Security Hub acts on (analysts may have changed it); the provider's own comes last. */
export function asffSeverity(severity: unknown, providerFields: unknown): number {
  const s = fields(severity);
  const label = s ? ASFF_LABELS.get(str(s.Label) ?? '') : undefined;
  if (label !== undefined) return label;
  const normalized = s ? num(s.Normalized) : undefined;
  if (normalized !== undefined) return normalizedSeverity(normalized);
  const provider = fields(fields(providerFields)?.Severity);
  return (provider ? ASFF_LABELS.get(str(provider.Label) ?? '') : undefined) ?? SeverityId.Unknown;
}

// ---------------------------------------------------------------------------------------------
// Key spellings

const CAMEL = {
  awsApiCallAction: 'awsApiCallAction',
  networkConnectionAction: 'networkConnectionAction',
  portProbeAction: 'portProbeAction',
  dnsRequestAction: 'dnsRequestAction',
  kubernetesApiCallAction: 'kubernetesApiCallAction',
  rdsLoginAttemptAction: 'rdsLoginAttemptAction',
  api: 'api',
  serviceName: 'serviceName',
  remoteIpDetails: 'remoteIpDetails',
  localIpDetails: 'localIpDetails',
  ipAddressV4: 'ipAddressV4',
  ipAddressV6: 'ipAddressV6',
  country: 'country',
  countryCode: 'countryCode',
  city: 'city',
  cityName: 'cityName',
  geoLocation: 'geoLocation',
  lat: 'lat',
  lon: 'lon',
  organization: 'organization',
  isp: 'isp',
  domainDetails: 'domainDetails',
  domain: 'domain',
  connectionDirection: 'connectionDirection',
  remotePortDetails: 'remotePortDetails',
  localPortDetails: 'localPortDetails',
  port: 'port',
  portProbeDetails: 'portProbeDetails',
  blocked: 'blocked',
} as const;

export type FindingKeys = { readonly [K in keyof typeof CAMEL]: string };

export const GUARDDUTY_KEYS: FindingKeys = CAMEL;
export const ASFF_KEYS: FindingKeys = Object.fromEntries(
  Object.entries(CAMEL).map(([k, v]) => [k, v.charAt(0).toUpperCase() + v.slice(1)]),
) as unknown as FindingKeys;

// ---------------------------------------------------------------------------------------------
// Evidence: what the finding saw happen

/** A port probe lists every prober; the first few carry the story. */
const MAX_PROBES = 20;

interface Evidence {
  api?: OcsfApi;
  src_endpoint?: OcsfEndpoint;
  dst_endpoint?: OcsfEndpoint;
}

const COUNTRY_CODE = /^[A-Z]{2}$/;

function locationOf(details: Fields, k: FindingKeys): OcsfLocation | undefined {
  const location: OcsfLocation = {};
  const code = str(fields(details[k.country])?.[k.countryCode]);
  // OCSF wants ISO 3166-1 alpha-2; a country name is not one.
  if (code !== undefined && COUNTRY_CODE.test(code)) location.country = code;
  put(location, 'city', str(fields(details[k.city])?.[k.cityName]));
  const geo = fields(details[k.geoLocation]);
  const lat = geo ? num(geo[k.lat]) : undefined;
  const lon = geo ? num(geo[k.lon]) : undefined;
  if (lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
    location.coordinates = [lon, lat]; // GeoJSON order
  }
  if (location.country === undefined && location.city === undefined && location.coordinates === undefined) {
    return undefined;
  }
  put(location, 'isp', str(fields(details[k.organization])?.[k.isp]));
  return location;
}

/** `remoteIpDetails` / `localIpDetails` as an endpoint; undefined without a valid IP. */
function ipEndpoint(value: unknown, k: FindingKeys, portDetails?: unknown): OcsfEndpoint | undefined {
  const details = fields(value);
  if (!details) return undefined;
  const address = ip(details[k.ipAddressV4]) ?? ip(details[k.ipAddressV6]);
  if (address === undefined) return undefined;
  const endpoint: OcsfEndpoint = { ip: address };
  put(endpoint, 'port', port(fields(portDetails)?.[k.port]));
  put(endpoint, 'location', locationOf(details, k));
  return endpoint;
}

function apiCallEvidence(action: Fields, k: FindingKeys): Evidence | undefined {
  const evidence: Evidence = {};
  const operation = str(action[k.api]);
  if (operation !== undefined) {
    evidence.api = { operation };
    const service = str(action[k.serviceName]);
    if (service !== undefined) evidence.api.service = { name: service };
  }
  const remote = ipEndpoint(action[k.remoteIpDetails], k);
  // A call made through an AWS service names its domain (cloudformation.amazonaws.com) instead of an IP.
  const domain = remote ? undefined : dnsName(fields(action[k.domainDetails])?.[k.domain]);
  put(evidence, 'src_endpoint', remote ?? (domain ? { svc_name: domain, domain } : undefined));
  return evidence.api || evidence.src_endpoint ? evidence : undefined;
}

function connectionEvidence(action: Fields, k: FindingKeys): Evidence | undefined {
  const remote = ipEndpoint(action[k.remoteIpDetails], k, action[k.remotePortDetails]);
  const local = ipEndpoint(action[k.localIpDetails], k, action[k.localPortDetails]);
  if (!remote && !local) return undefined;
  const outbound = str(action[k.connectionDirection]) === 'OUTBOUND';
  const evidence: Evidence = {};
  put(evidence, 'src_endpoint', outbound ? local : remote);
  put(evidence, 'dst_endpoint', outbound ? remote : local);
  return evidence;
}

function probeEvidences(action: Fields, k: FindingKeys, out: Evidence[]): void {
  const probes = list(action[k.portProbeDetails]);
  if (!probes) return;
  for (let i = 0; i < probes.length && i < MAX_PROBES; i++) {
    const probe = fields(probes[i]);
    if (!probe) continue;
    const remote = ipEndpoint(probe[k.remoteIpDetails], k);
    const local = ipEndpoint(probe[k.localIpDetails], k, probe[k.localPortDetails]);
    if (!remote && !local) continue;
    const evidence: Evidence = {};
    put(evidence, 'src_endpoint', remote);
    put(evidence, 'dst_endpoint', local);
    out.push(evidence);
  }
}

export interface ActionFacts {
  evidences?: Evidence[];
  /** The service blocked what it saw (GuardDuty and ASFF `blocked`). */
  blocked: boolean;
}

/**
 * Evidence from a finding's action (GuardDuty `service.action`, ASFF `Action`): the API call and
 * the remote address behind it, connections and port probes with their endpoints. Detection
 * Finding has no `src_endpoint` of its own; evidences is where OCSF puts the remote address.
 */
export function actionFacts(value: unknown, k: FindingKeys): ActionFacts {
  const action = fields(value);
  if (!action) return { blocked: false };
  const out: Evidence[] = [];
  let blocked = false;
  const apiCall = fields(action[k.awsApiCallAction]);
  const apiEvidence = apiCall ? apiCallEvidence(apiCall, k) : undefined;
  if (apiEvidence) out.push(apiEvidence);
  const connection = fields(action[k.networkConnectionAction]);
  if (connection) {
    const evidence = connectionEvidence(connection, k);
    if (evidence) out.push(evidence);
    blocked ||= connection[k.blocked] === true;
  }
  const probe = fields(action[k.portProbeAction]);
  if (probe) {
    probeEvidences(probe, k, out);
    blocked ||= probe[k.blocked] === true;
  }
  blocked ||= fields(action[k.dnsRequestAction])?.[k.blocked] === true;
  for (const key of [k.kubernetesApiCallAction, k.rdsLoginAttemptAction]) {
    const remote = ipEndpoint(fields(action[key])?.[k.remoteIpDetails], k);
    if (remote) out.push({ src_endpoint: remote });
  }
  return out.length > 0 ? { evidences: out, blocked } : { blocked };
}

// ---------------------------------------------------------------------------------------------
// The event

export interface FindingCore {
  product: { name: string; vendor_name: string; uid?: string };
  /** The finding's own id (stable across its updates; kept in finding_info.uid). */
  uid: string;
  info: OcsfFindingInfo;
  time: number;
  originalTime: string;
  activityId: number;
  severityId: number;
  statusId: number;
  status: string;
  blocked: boolean;
  /** False for a finding that reports nothing wrong (a passed compliance check). */
  detected: boolean;
  region?: string;
  accountId?: string;
}

/** `<finding id>@<time>`; an id too long for OCSF's string bound is replaced by its digest. */
function versionedUid(id: string, time: number): string {
  const uid = `${id}@${time}`;
  return uid.length <= MAX_STRING ? uid : `sha256:${createHash('sha256').update(id).digest('hex')}@${time}`;
}

/**
 * The Detection Finding every AWS finding becomes. A detection service takes no action of its own,
 * and OCSF says no action is 1 Allowed; the disposition says it was detected (or blocked).
 */
export function detectionFinding(core: FindingCore): OcsfEvent {
  const info = OcsfClass.DetectionFinding;
  const cloud: OcsfCloud = { provider: 'AWS' };
  put(cloud, 'region', core.region);
  if (core.accountId !== undefined) cloud.account = { uid: core.accountId };
  const event: OcsfEvent = {
    class_uid: info.uid,
    class_name: info.name,
    category_uid: info.category_uid,
    category_name: info.category_name,
    activity_id: core.activityId,
    activity_name: FINDING_ACTIVITY_NAMES.get(core.activityId) ?? 'Other',
    type_uid: typeUid(info.uid, core.activityId),
    type_name: `${info.name}: ${FINDING_ACTIVITY_NAMES.get(core.activityId) ?? 'Other'}`,
    severity_id: core.severityId,
    severity: SEVERITY_NAMES[core.severityId] ?? 'Unknown',
    status_id: core.statusId,
    status: core.status,
    time: core.time,
    message: core.info.title,
    metadata: {
      version: OCSF_VERSION,
      product: core.product,
      // One finding is updated in place (count, last seen): each version is its own event, so a
      // redelivered version is idempotent while a real update is not mistaken for a duplicate.
      uid: versionedUid(core.uid, core.time),
      original_time: core.originalTime,
      profiles: ['cloud', 'security_control'],
    },
    cloud,
    finding_info: core.info,
    action_id: core.blocked ? 2 : 1,
    action: core.blocked ? 'Denied' : 'Allowed',
  };
  if (core.detected) {
    event.disposition_id = core.blocked ? 2 : 15;
    event.disposition = core.blocked ? 'Blocked' : 'Detected';
  }
  return event;
}
