/**
 * Readers, window helpers and record builders shared by the Okta and GitHub detections.
 *
 * Detections read the RAW record (the vendor's shape is the contract; the OCSF event is a
 * projection). Raw records are hostile: every reader is total and never coerces a surprising type
 * into a match. Some exports (Panther's, Athena re-serialisations) lower-case Okta's camelCase
 * keys, so the readers take the canonical key or, failing that, its all-lowercase spelling.
 */
import type { NormalisedEvent } from '../../normalise/types.ts';
import { pathSteps } from '../fields.ts';
import type { DetectionContext, EntityRef, Hit, Severity } from '../types.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** Default risk points per severity (the catalogue's guide). */
export const RISK: Record<Severity, number> = { info: 5, low: 10, medium: 25, high: 50, critical: 80 };

type Fields = Record<string, unknown>;
export const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a dotted path, each step by its exact key or its all-lowercase spelling. */
export function rv(record: unknown, path: string): unknown {
  const { keys, lower } = pathSteps(path);
  let cur: unknown = record;
  for (let i = 0; i < keys.length; i++) {
    if (!isFields(cur)) return undefined;
    const key = keys[i] as string;
    if (Object.hasOwn(cur, key)) cur = cur[key];
    else {
      const low = lower[i] as string;
      cur = low !== key && Object.hasOwn(cur, low) ? cur[low] : undefined;
    }
  }
  return cur;
}

/** A non-empty string, or undefined. */
export const rs = (record: unknown, path: string): string | undefined => {
  const v = rv(record, path);
  return typeof v === 'string' && v.length > 0 ? v : undefined;
};

/** Booleans arrive as JSON booleans or, from some exporters, as "true"/"false". */
export const rb = (record: unknown, path: string): boolean | undefined => {
  const v = rv(record, path);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return undefined;
};

/** Numbers arrive as numbers or digit strings. */
export const rn = (record: unknown, path: string): number | undefined => {
  const v = rv(record, path);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim())) return Number(v.trim());
  return undefined;
};

/** Objects of an array field (non-objects dropped), at most `max` of them. */
export const objects = (record: unknown, path: string, max = 100): Fields[] => {
  const v = rv(record, path);
  return Array.isArray(v) ? v.slice(0, max).filter(isFields) : [];
};

/** Strings of a field that may be an array of strings or one comma/space separated string. */
export function stringList(record: unknown, path: string, max = 200): string[] {
  const v = rv(record, path);
  if (typeof v === 'string') {
    return v
      .split(/[\s,]+/)
      .filter((s) => s.length > 0)
      .slice(0, max);
  }
  if (Array.isArray(v)) return v.slice(0, max).filter((s): s is string => typeof s === 'string');
  return [];
}

const MAX_FACT = 200;
const clip = (v: string) => (v.length > MAX_FACT ? `${v.slice(0, MAX_FACT)}…` : v);

/** Evidence without the undefined entries, strings clipped: log content is hostile and shown. */
export function facts(input: Record<string, string | number | boolean | undefined | null>): Hit['evidence'] {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? clip(v) : v;
  }
  return out;
}

/** False when the normaliser found no usable time (the event sits at 0): no window arithmetic then. */
export const timeKnown = (ev: NormalisedEvent): boolean =>
  ev.ocsf.time > 0 && !(ev.ocsf.metadata.labels ?? []).includes('time_unknown');

/** The event id: deterministic per record, so a replayed delivery is not counted twice. */
export const eventId = (ev: NormalisedEvent): string =>
  ev.ocsf.metadata.uid ?? `${ev.source}:${ev.ocsf.time}`;

/** Member reserved for peeking; never a real member (ids and names never start with NUL). */
const PEEK = '\u0000peek';

/**
 * Records `member` under `key` and returns how many distinct members the key holds within the
 * window. Counting distinct event ids (rather than calls) keeps bursts idempotent under
 * at-least-once delivery. The peek member, when present, is not counted.
 */
export function tally(
  ctx: DetectionContext,
  key: string,
  member: string,
  time: number,
  windowMs: number,
): number {
  ctx.window.distinct(key, member, time, windowMs);
  return ctx.window.distinct(key, PEEK, time, windowMs) - 1;
}

/** How many distinct members `key` holds within the window, without recording one. */
export const peek = (ctx: DetectionContext, key: string, time: number, windowMs: number): number =>
  ctx.window.distinct(key, PEEK, time, windowMs) - 1;

export const principal = (id: string | undefined): EntityRef[] => (id ? [{ type: 'principal', id }] : []);
export const resource = (id: string | undefined): EntityRef[] => (id ? [{ type: 'resource', id }] : []);

/** Raises a hit to `severity` with its default risk. */
export const at = (severity: Severity, evidence: Hit['evidence'], entities?: EntityRef[]): Hit => ({
  severity,
  risk: RISK[severity],
  evidence,
  ...(entities && entities.length > 0 ? { entities } : {}),
});

// ---------------------------------------------------------------------------------------------
// Okta
// ---------------------------------------------------------------------------------------------

/** The eventType (either spelling) of an Okta record. */
export const oktaType = (ev: NormalisedEvent): string | undefined =>
  rs(ev.raw, 'eventType') ?? ev.ocsf.metadata.event_code;

/** outcome.result upper-cased (SUCCESS, FAILURE, DENY, ALLOW, CHALLENGE, SKIPPED, UNKNOWN). */
export const oktaResult = (raw: unknown): string | undefined => rs(raw, 'outcome.result')?.toUpperCase();

/** A change that did not go through. A missing outcome counts as done: exports drop fields, Okta never logs a no-op. */
export const oktaFailed = (raw: unknown): boolean => {
  const r = oktaResult(raw);
  return r === 'FAILURE' || r === 'DENY';
};

export interface OktaEntity {
  id?: string;
  type?: string;
  alternateId?: string;
  displayName?: string;
  detailEntry?: unknown;
}

const entityOf = (v: Fields): OktaEntity => {
  const e: OktaEntity = {};
  const id = rs(v, 'id');
  const type = rs(v, 'type');
  const alt = rs(v, 'alternateId');
  const name = rs(v, 'displayName');
  if (id) e.id = id;
  if (type) e.type = type;
  if (alt && alt !== 'unknown') e.alternateId = alt;
  if (name && name !== 'unknown') e.displayName = name;
  if (v.detailEntry !== undefined) e.detailEntry = v.detailEntry;
  return e;
};

export const oktaActor = (raw: unknown): OktaEntity => {
  const a = rv(raw, 'actor');
  return isFields(a) ? entityOf(a) : {};
};

export const oktaTargets = (raw: unknown): OktaEntity[] => objects(raw, 'target').map(entityOf);

export const oktaTargetsOf = (raw: unknown, ...types: string[]): OktaEntity[] =>
  oktaTargets(raw).filter((t) => t.type !== undefined && types.includes(t.type));

/** A stable name for an Okta entity: login, else id, lower-cased. */
export const oktaKey = (e: OktaEntity | undefined): string | undefined => {
  const v = e?.alternateId ?? (e?.id && e.id !== 'unknown' ? e.id : undefined);
  return v?.toLowerCase();
};

/**
 * Same person: by login when both name one (logins are unique in an org, and shared or exported
 * logs often redact ids to placeholders), else by id.
 */
export function sameOktaEntity(a: OktaEntity, b: OktaEntity): boolean {
  const ka = a.alternateId?.toLowerCase();
  const kb = b.alternateId?.toLowerCase();
  if (ka !== undefined && kb !== undefined && ka.includes('@') === kb.includes('@')) return ka === kb;
  const known = (id: string | undefined) => id !== undefined && id !== 'unknown';
  if (known(a.id) && known(b.id)) return a.id === b.id;
  return ka !== undefined && ka === kb;
}

export const oktaDebug = (raw: unknown, key: string): unknown => {
  const data = rv(raw, 'debugContext.debugData');
  return isFields(data) ? data[key] : undefined;
};

export const oktaDebugText = (raw: unknown, key: string): string | undefined => {
  const v = oktaDebug(raw, key);
  return typeof v === 'string' && v.length > 0 ? v : undefined;
};

export const oktaIp = (raw: unknown): string | undefined => rs(raw, 'client.ipAddress');
export const oktaCountry = (raw: unknown): string | undefined =>
  rs(raw, 'client.geographicalContext.country');
export const oktaSession = (raw: unknown): string | undefined => {
  const s = rs(raw, 'authenticationContext.externalSessionId');
  return s === undefined || s.toLowerCase() === 'unknown' ? undefined : s;
};
export const oktaUserAgent = (raw: unknown): string | undefined => rs(raw, 'client.userAgent.rawUserAgent');
export const oktaReason = (raw: unknown): string | undefined => rs(raw, 'outcome.reason');

/**
 * Okta's behaviour detection for a sign-in ("New Device=POSITIVE", …) and risk level, which
 * arrive in several shapes depending on org and export: `debugData.behaviors` as an array of
 * "Name=VALUE" strings, an object of Name→VALUE, an object whose keys are "Name=VALUE", or a
 * "{Name=VALUE, …}" string; or inside `debugData.logOnlySecurityData` (an object or a JSON
 * string) as `behaviors` and `risk.level`. Returns the behaviour names judged POSITIVE.
 */
export function oktaBehaviours(raw: unknown): { positive: string[]; risk?: string } {
  const positive = new Set<string>();
  let risk: string | undefined;
  const addPair = (name: string, value: unknown) => {
    if (typeof value === 'string' && value.trim().toUpperCase() === 'POSITIVE') positive.add(name.trim());
  };
  const addText = (text: string) => {
    for (const part of text.replace(/^[{[]|[}\]]$/g, '').split(',')) {
      const [name, value] = part.split('=');
      if (name !== undefined && value !== undefined) addPair(name, value);
    }
  };
  const read = (b: unknown) => {
    if (typeof b === 'string') addText(b);
    else if (Array.isArray(b)) {
      for (const item of b.slice(0, 50)) if (typeof item === 'string') addText(item);
    } else if (isFields(b)) {
      for (const [k, v] of Object.entries(b).slice(0, 50)) {
        if (k.includes('=')) addText(k);
        else addPair(k, v);
      }
    }
  };
  const readRisk = (r: unknown) => {
    if (isFields(r) && typeof r.level === 'string') risk = r.level.toUpperCase();
    else if (typeof r === 'string') {
      const m = /level\s*[=:]\s*"?([A-Za-z]+)/.exec(r);
      if (m?.[1]) risk = m[1].toUpperCase();
    }
  };
  read(oktaDebug(raw, 'behaviors'));
  readRisk(oktaDebug(raw, 'risk'));
  let security = oktaDebug(raw, 'logOnlySecurityData');
  if (typeof security === 'string' && security.length <= 20_000) {
    try {
      security = JSON.parse(security);
    } catch {
      security = undefined;
    }
  }
  if (isFields(security)) {
    read(security.behaviors);
    readRisk(security.risk);
  }
  return risk === undefined ? { positive: [...positive] } : { positive: [...positive], risk };
}

// ---------------------------------------------------------------------------------------------
// GitHub
// ---------------------------------------------------------------------------------------------

export const ghAction = (ev: NormalisedEvent): string | undefined =>
  rs(ev.raw, 'action') ?? ev.ocsf.metadata.event_code;
export const ghActor = (raw: unknown): string | undefined => rs(raw, 'actor');
export const ghRepo = (raw: unknown): string | undefined => rs(raw, 'repo') ?? rs(raw, 'repository');
export const ghOrg = (raw: unknown): string | undefined => rs(raw, 'org') ?? rs(raw, 'business');
/** The user an entry is about (member added, role changed), when it names one. */
export const ghUser = (raw: unknown): string | undefined => rs(raw, 'user');

/** An actor that is automation: a bot account, an App installation token, or GitHub itself. */
export function ghAutomation(raw: unknown): boolean {
  if (rb(raw, 'actor_is_bot') === true) return true;
  const actor = ghActor(raw) ?? '';
  if (actor.endsWith('[bot]') || actor === 'github' || actor === 'dependabot') return true;
  return /server-to-server/i.test(rs(raw, 'programmatic_access_type') ?? '');
}

/** True / false when the entry says whether its repository is public; undefined when it does not. */
export function ghRepoPublic(raw: unknown): boolean | undefined {
  const visibility = rs(raw, 'visibility')?.toLowerCase();
  if (visibility === 'public') return true;
  if (visibility === 'private' || visibility === 'internal') return false;
  return rb(raw, 'public_repo') ?? rb(raw, 'repository_public');
}

// ---------------------------------------------------------------------------------------------
// Record builders for detection cases: records shaped as the sources deliver them
// ---------------------------------------------------------------------------------------------

const hex = (n: number, width: number) => (n >>> 0).toString(16).padStart(width, '0').slice(-width);

/** A deterministic uuid-shaped id from a seed (cases must not depend on a random source). */
export function seededUuid(seed: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < seed.length; i++) {
    const c = seed.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 13);
  }
  return `${hex(h1, 8)}-${hex(h2, 4)}-11ef-${hex(h1 >>> 7, 4)}-${hex(h2, 8)}${hex(h1 ^ h2, 4)}`;
}

export interface OktaPerson {
  id: string;
  login: string;
  name: string;
}

export const OKTA_PEOPLE = {
  admin: { id: '00u1admn7Q3pXyZ5d7', login: 'dana.ops@acme.example', name: 'Dana Ops' },
  helpdesk: { id: '00u2hlpd9RkLmN6d7', login: 'hugo.helpdesk@acme.example', name: 'Hugo Helpdesk' },
  alice: { id: '00u3alce2VbTqW8d7', login: 'alice.green@acme.example', name: 'Alice Green' },
  bob: { id: '00u4bobb5HjKlP1d7', login: 'bob.stone@acme.example', name: 'Bob Stone' },
} satisfies Record<string, OktaPerson>;

export interface OktaPlace {
  ip: string;
  city: string;
  state: string;
  country: string;
  postalCode: string;
  lat: number;
  lon: number;
  asNumber: number;
  asOrg: string;
  isp: string;
  domain: string;
  isProxy: boolean;
}

export const OKTA_PLACES = {
  office: {
    ip: '198.51.100.24',
    city: 'Denver',
    state: 'Colorado',
    country: 'United States',
    postalCode: '80202',
    lat: 39.7525,
    lon: -104.9995,
    asNumber: 7922,
    asOrg: 'comcast',
    isp: 'comcast cable communications llc',
    domain: 'comcast.net',
    isProxy: false,
  },
  home: {
    ip: '203.0.113.77',
    city: 'Boulder',
    state: 'Colorado',
    country: 'United States',
    postalCode: '80301',
    lat: 40.015,
    lon: -105.2705,
    asNumber: 7018,
    asOrg: 'at&t corp.',
    isp: 'at&t services inc',
    domain: 'sbcglobal.net',
    isProxy: false,
  },
  abroad: {
    ip: '185.220.101.47',
    city: 'Frankfurt am Main',
    state: 'Hesse',
    country: 'Germany',
    postalCode: '60313',
    lat: 50.1109,
    lon: 8.6821,
    asNumber: 208294,
    asOrg: 'relayon',
    isp: 'relayon',
    domain: 'relayon.org',
    isProxy: true,
  },
  vps: {
    ip: '45.142.212.61',
    city: 'Lagos',
    state: 'Lagos',
    country: 'Nigeria',
    postalCode: '100001',
    lat: 6.4541,
    lon: 3.3947,
    asNumber: 44477,
    asOrg: 'stark industries solutions ltd',
    isp: 'stark industries solutions ltd',
    domain: 'stark-industries.solutions',
    isProxy: false,
  },
} satisfies Record<string, OktaPlace>;

export const BROWSER_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
export const OTHER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36';

export interface OktaSpec {
  eventType: string;
  displayMessage: string;
  actor?: OktaPerson | { id: string; type: string; alternateId: string; displayName: string };
  target?: unknown[];
  result?: string;
  reason?: string;
  place?: OktaPlace;
  ua?: string;
  session?: string;
  debugData?: Record<string, unknown>;
  severity?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Seconds after the case's base time. */
  at?: number;
  /** Distinguishes records of a burst (feeds the uuid). */
  seq?: number;
  legacyEventType?: string;
}

const BASE_TIME = Date.parse('2026-03-02T14:05:09.000Z');

export const userTarget = (p: OktaPerson) => ({
  id: p.id,
  type: 'User',
  alternateId: p.login,
  displayName: p.name,
  detailEntry: null,
});

/** One Okta System Log LogEvent as the System Log API (or the EventBridge partner source) delivers it. */
export function okta(spec: OktaSpec): Record<string, unknown> {
  const place = spec.place ?? OKTA_PLACES.office;
  const actor = spec.actor ?? OKTA_PEOPLE.admin;
  const published = new Date(BASE_TIME + (spec.at ?? 0) * 1000).toISOString();
  const seed = `${spec.eventType}|${published}|${spec.seq ?? 0}|${JSON.stringify(spec.target ?? [])}|${place.ip}`;
  const transaction = seededUuid(`tx|${seed}`).replace(/-/g, '').slice(0, 26);
  return {
    uuid: seededUuid(seed),
    published,
    eventType: spec.eventType,
    version: '0',
    severity: spec.severity ?? 'INFO',
    legacyEventType: spec.legacyEventType ?? null,
    displayMessage: spec.displayMessage,
    actor:
      'login' in actor
        ? { id: actor.id, type: 'User', alternateId: actor.login, displayName: actor.name, detailEntry: null }
        : { ...actor, detailEntry: null },
    client: {
      userAgent: { rawUserAgent: spec.ua ?? BROWSER_UA, os: 'Mac OS X', browser: 'CHROME' },
      zone: 'null',
      device: 'Computer',
      id: null,
      ipAddress: place.ip,
      geographicalContext: {
        city: place.city,
        state: place.state,
        country: place.country,
        postalCode: place.postalCode,
        geolocation: { lat: place.lat, lon: place.lon },
      },
    },
    device: null,
    authenticationContext: {
      authenticationProvider: null,
      credentialProvider: null,
      credentialType: null,
      issuer: null,
      interface: null,
      authenticationStep: 0,
      externalSessionId: spec.session ?? `102${seededUuid(`s|${actor.id}`).replace(/-/g, '').slice(0, 22)}`,
    },
    outcome: { result: spec.result ?? 'SUCCESS', reason: spec.reason ?? null },
    securityContext: {
      asNumber: place.asNumber,
      asOrg: place.asOrg,
      isp: place.isp,
      domain: place.domain,
      isProxy: place.isProxy,
    },
    debugContext: {
      debugData: { requestId: transaction, dtHash: seededUuid(`dt|${seed}`), ...spec.debugData },
    },
    transaction: { type: 'WEB', id: transaction, detail: {} },
    request: {
      ipChain: [
        {
          ip: place.ip,
          geographicalContext: {
            city: place.city,
            state: place.state,
            country: place.country,
            postalCode: place.postalCode,
            geolocation: { lat: place.lat, lon: place.lon },
          },
          version: 'V4',
          source: null,
        },
      ],
    },
    target: spec.target ?? [],
  };
}

export interface GitHubSpec {
  action: string;
  actor?: string;
  org?: string;
  /** `owner/name`; omitted for organisation-level entries. */
  repo?: string;
  /** Seconds after the case's base time. */
  at?: number;
  seq?: number;
  ip?: string;
  country?: string;
  operationType?: 'create' | 'access' | 'modify' | 'remove' | 'transfer';
  extra?: Record<string, unknown>;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** 32 hex digits → GitHub's 22-character `_document_id` alphabet. */
const base64ish = (hexText: string): string => {
  let out = '';
  for (let i = 0; i < hexText.length; i += 3) out += B64[Number.parseInt(hexText.slice(i, i + 3), 16) % 64];
  return `${out}${B64[hexText.length % 64]}`.padEnd(22, 'A').slice(0, 22);
};

/** One GitHub audit log entry as the audit log API / streaming delivers it. */
export function github(spec: GitHubSpec): Record<string, unknown> {
  const time = BASE_TIME + (spec.at ?? 0) * 1000;
  const org = spec.org ?? 'acme-corp';
  const seed = `${spec.action}|${time}|${spec.seq ?? 0}|${spec.repo ?? ''}|${JSON.stringify(spec.extra ?? {})}`;
  const docId = base64ish(seededUuid(seed).replace(/-/g, ''));
  const actor = spec.actor ?? 'dana-ops';
  return {
    '@timestamp': time,
    _document_id: docId,
    action: spec.action,
    actor,
    actor_id: 40000000 + ((actor.length * 7919) % 100000),
    actor_is_bot: actor.endsWith('[bot]'),
    actor_ip: spec.ip ?? '198.51.100.24',
    actor_location: { country_code: spec.country ?? 'US' },
    business: 'acme',
    business_id: 11244,
    created_at: time,
    operation_type: spec.operationType ?? 'modify',
    org,
    org_id: 42053323,
    ...(spec.repo ? { repo: spec.repo, repo_id: 600000000 + spec.repo.length } : {}),
    user_agent: BROWSER_UA,
    ...spec.extra,
  };
}

/** `n` records from one builder, a few seconds apart, each distinct. */
export function burst<T>(n: number, make: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => make(i));
}
