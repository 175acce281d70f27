import type { EntityRef } from '../detect/types.ts';
import { SEVERITY_ORDER, TACTICS, type Tactic } from '../detect/types.ts';
import { defang } from './defang.ts';
import { eligiblePlaybooks, MAX_CITES } from './eligibility.ts';
import type { EvidencePack, PackEntity, PackEvidence, PackSignal, Untrusted } from './evidence-pack.ts';
import type { Claim, Confidence, Narrative, NarrativeBody } from './schema.ts';

export interface NarrateOptions {
  /** Resources the response stage must never touch; no playbook is recommended against them. */
  isProtected?: (target: EntityRef) => boolean;
}

const KILL_CHAIN = Object.keys(TACTICS) as Tactic[];
/** Facts every event has; the rest (target user, snapshot id…) are what make an event specific. */
const BASE_FACTS = new Set([
  'operation',
  'service',
  'actor',
  'src_ip',
  'source_ip',
  'country',
  'region',
  'user_agent',
  'status',
  'event',
  'event_type',
  'action',
  'user',
  'caller',
  'access_key',
]);

const q = (u: Untrusted, max = 80): string => defang(u.untrusted, max);
/** Clips to a schema length; the cut can only shorten a defanged value, never re-arm it. */
const clipTo = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;
const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];
const cite = (ids: Iterable<string>): string[] => uniq(ids).slice(0, MAX_CITES);
const list = (xs: string[]): string =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;

const factText = (ev: PackEvidence, key: string, max = 80): string | undefined => {
  const v = ev.facts[key];
  if (v === undefined) return undefined;
  return typeof v === 'object' ? q(v, max) : String(v);
};

/** `arn:aws:iam::1:user/alice` → `alice`; `arn:aws:sts::1:assumed-role/r/s` → `r/s`; others unchanged. */
const principalLabel = (id: string): string => {
  if (!id.startsWith('arn:')) return id;
  const resource = id.split(':').slice(5).join(':');
  const slash = resource.indexOf('/');
  return slash >= 0 ? resource.slice(slash + 1) : resource;
};

const DAY = (iso: string) => iso.slice(0, 10);
const clock = (iso: string, day: string): string =>
  DAY(iso) === day ? `${iso.slice(11, 19)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

const entityName = (e: PackEntity): string =>
  e.type === 'principal' ? defang(principalLabel(e.id.untrusted), 80) : q(e.id);

/**
 * How strongly the evidence alone shows malicious activity: the floor a model's confidence may
 * not go below. Several tactics at high severity is a story, one medium signal is a lead.
 */
export function deterministicConfidence(pack: EvidencePack): Confidence {
  const level = SEVERITY_ORDER[pack.incident.severity];
  const tactics = pack.incident.tactics.length;
  if (level >= SEVERITY_ORDER.high && tactics >= 2) return 'high';
  if (level >= SEVERITY_ORDER.medium || tactics >= 2) return 'medium';
  return 'low';
}

/**
 * The deterministic narrator: the same schema as the Bedrock path, written from the evidence pack
 * alone. Each sentence is a claim citing the evidence it rests on; every quoted log value is
 * defanged, so no narrative carries a link or markup that a log line put there.
 */
export function narrate(pack: EvidencePack, options: NarrateOptions = {}): Narrative {
  const evidence = pack.evidence;
  const byId = new Map(evidence.map((e) => [e.id, e]));
  const day = DAY(evidence[0]?.time ?? pack.incident.first_event_at);
  const signalsOf = (ev: PackEvidence) => pack.signals.filter((s) => s.evidence.includes(ev.id));
  const with_ = (key: string) => evidence.filter((e) => e.facts[key] !== undefined);
  const entitiesOf = (type: PackEntity['type']) =>
    pack.incident.entities.filter((e) => e.type === type && e.evidence.length > 0);

  const claims: Claim[] = [];

  // Who, with what, from where.
  const actorEvidence = with_('actor');
  const actors = uniq(actorEvidence.map((e) => factText(e, 'actor') as string));
  const principals = entitiesOf('principal');
  const who = actors.length ? list(actors.slice(0, 3)) : list(principals.slice(0, 3).map(entityName));
  const whoEvidence = actors.length ? actorEvidence : evidence;
  const first = evidence[0];
  const last = evidence[evidence.length - 1];
  if (first && last) {
    claims.push({
      text:
        `${who || 'An unidentified actor'} performed the ${evidence.length} recorded event(s) of this incident, ` +
        `between ${clock(first.time, '')} and ${clock(last.time, day)}.`,
      evidence: cite(whoEvidence.map((e) => e.id)),
    });
  }
  for (const key of entitiesOf('access_key')) {
    claims.push({
      text: `Access key ${q(key.id)} signed ${key.evidence.length} of these events.`,
      evidence: cite(key.evidence),
    });
  }
  const ips = entitiesOf('ip');
  if (ips.length) {
    const described = ips.slice(0, 4).map((ip) => {
      const country = ip.evidence.map((id) => byId.get(id)).find((e) => e?.facts.country !== undefined);
      return country ? `${q(ip.id)} (${factText(country, 'country', 40)})` : q(ip.id);
    });
    claims.push({
      text: `The requests came from ${list(described)}.`,
      evidence: cite(ips.flatMap((ip) => ip.evidence)),
    });
  }
  const agents = uniq(with_('user_agent').map((e) => factText(e, 'user_agent', 100) as string)).slice(0, 2);
  if (agents.length) {
    claims.push({
      text: `The client identified itself as ${list(agents.map((a) => `"${a}"`))}.`,
      evidence: cite(with_('user_agent').map((e) => e.id)),
    });
  }

  // What, in kill-chain order.
  const tactics = KILL_CHAIN.filter((t) => pack.signals.some((s) => s.tactic === t));
  for (const tactic of tactics) {
    const signals = pack.signals.filter((s) => s.tactic === tactic);
    const ids = uniq(signals.flatMap((s) => s.evidence));
    const steps = ids
      .map((id) => byId.get(id))
      .filter((e): e is PackEvidence => e !== undefined)
      .slice(0, 4)
      .map((e) => `${factText(e, 'operation', 60) ?? 'an event'} at ${clock(e.time, day)}`);
    const techniques = uniq(signals.flatMap((s) => s.attack));
    claims.push({
      text:
        `${TACTICS[tactic]} (${tactic}): ${list(uniq(signals.map((s) => s.title)).slice(0, 4))} — ` +
        `${list(steps)}${ids.length > steps.length ? ` and ${ids.length - steps.length} more` : ''}` +
        ` (ATT&CK ${techniques.join(', ')}).`,
      evidence: cite(ids),
    });
  }

  // Text aimed at an AI assistant is evidence of intent, and the analyst must know it was seen.
  const planted = evidence.filter((e) => e.suspected_injection?.length);
  for (const e of planted) {
    claims.push({
      text:
        `Event ${e.id} carries text that reads like instructions to an AI assistant ` +
        `(in ${list(e.suspected_injection ?? [])}); Vigil treated it as data and did not act on it.`,
      evidence: [e.id],
    });
  }

  const timeline: NarrativeBody['timeline'] = evidence.map((e) => {
    const actor = factText(e, 'actor', 60);
    const op = factText(e, 'operation', 80) ?? 'event';
    const ip = factText(e, 'src_ip', 45);
    const details = Object.keys(e.facts)
      // Sigma bookkeeping (rule id, tuning) says nothing about the activity.
      .filter((k) => !BASE_FACTS.has(k) && !k.startsWith('sigma_'))
      .slice(0, 4)
      .map((k) => `${k} ${factText(e, k, 60)}`);
    return {
      time: e.time,
      text:
        `${actor ? `${actor}: ` : ''}${op}${ip ? ` from ${ip}` : ''} — ` +
        `${list(uniq(signalsOf(e).map((s) => s.title)).slice(0, 3))}` +
        `${details.length ? ` (${details.join('; ')})` : ''}.`,
      evidence: [e.id],
    };
  });

  const attackPairs = new Map<string, { technique: string; tactic: Tactic; evidence: string[] }>();
  for (const s of pack.signals)
    for (const technique of s.attack) {
      const key = `${technique}|${s.tactic}`;
      const entry = attackPairs.get(key) ?? { technique, tactic: s.tactic, evidence: [] };
      entry.evidence.push(...s.evidence);
      attackPairs.set(key, entry);
    }
  const attack = [...attackPairs.values()]
    .filter((a) => /^T\d{4}(\.\d{3})?$/.test(a.technique))
    .map((a) => ({ ...a, evidence: cite(a.evidence) }))
    .slice(0, 30);

  const ROLE = {
    principal: 'actor',
    access_key: 'credential',
    ip: 'source',
    resource: 'target',
    account: 'account',
  } as const;
  const affected_assets = pack.incident.entities
    .filter((e) => e.evidence.length > 0)
    .slice(0, 40)
    .map((e) => ({
      type: e.type,
      id: e.id.untrusted.slice(0, 300),
      role: ROLE[e.type],
      evidence: cite(e.evidence),
    }));

  const hypotheses = hypothesesOf(pack, planted);
  const playbooks = eligiblePlaybooks(pack)
    .filter((p) => !options.isProtected?.(p.target))
    .slice(0, 10);
  const open_questions = questionsOf(pack, who, playbooks);

  const path = pack.incident.tactics.map((t) => t.name).join(' → ');
  const headline = claims
    .filter((c) => !c.text.startsWith('Event ev-'))
    .slice(0, 3)
    .map((c) => c.text);
  const top = [...pack.signals].sort((a, b) => b.risk - a.risk)[0];
  const summary = [
    `${pack.incident.severity[0]?.toUpperCase()}${pack.incident.severity.slice(1)} incident, risk ${pack.incident.risk}` +
      `${path ? `, across ${pack.incident.tactics.length} tactic(s): ${path}` : ''}.`,
    ...headline,
    ...(top ? [`The riskiest step: ${top.title} (${top.severity}).`] : []),
    ...(planted.length ? ['Some log fields contain text aimed at an AI assistant (see claims).'] : []),
    ...(pack.omitted.count
      ? [`${pack.omitted.count} lower-risk evidence item(s) are not covered here.`]
      : []),
  ].join(' ');

  return {
    summary: clipTo(summary, 1500),
    severity: pack.incident.severity,
    confidence: deterministicConfidence(pack),
    timeline: timeline.slice(0, 40).map((t) => ({ ...t, text: clipTo(t.text, 400) })),
    attack,
    affected_assets,
    hypotheses,
    playbooks,
    open_questions,
    claims: claims.slice(0, 40).map((c) => ({ ...c, text: clipTo(c.text, 500) })),
    generated_by: 'deterministic',
  };
}

function hypothesesOf(pack: EvidencePack, planted: PackEvidence[]): Claim[] {
  const evidenceOf = (tactics: Tactic[]) =>
    cite(pack.signals.filter((s) => tactics.includes(s.tactic)).flatMap((s: PackSignal) => s.evidence));
  const out: Claim[] = [];
  const keys = pack.incident.entities.filter((e) => e.type === 'access_key' && e.evidence.length > 0);
  const initial = evidenceOf(['TA0001']);
  for (const key of keys.slice(0, 2))
    if (initial.length)
      out.push({
        text: `Access key ${q(key.id)} may have leaked and be used by someone other than its owner.`,
        evidence: cite([...initial, ...key.evidence]),
      });
  const rules: [Tactic[], string][] = [
    [['TA0004'], 'The actor raised its own privileges, so anything the account can do is now within reach.'],
    [
      ['TA0003'],
      'The actor set up persistence (users, keys, login profiles) that outlives the first credential.',
    ],
    [['TA0005'], 'Logging or defences were changed: later activity may be missing from the record.'],
    [['TA0009', 'TA0010'], 'Data may have been collected or moved out of the organisation.'],
    [['TA0040'], 'Resources or data may have been damaged or made unavailable.'],
  ];
  for (const [tactics, text] of rules) {
    const ids = evidenceOf(tactics);
    if (ids.length) out.push({ text, evidence: ids });
  }
  if (planted.length)
    out.push({
      text: 'Someone planted text for an AI assistant, expecting automated triage of these logs.',
      evidence: cite(planted.map((e) => e.id)),
    });
  if (pack.incident.tactics.length <= 1 && pack.evidence.length)
    out.push({
      text: 'This may be authorised work: the signals show the activity is unusual, not that it is hostile.',
      evidence: cite(pack.evidence.map((e) => e.id)),
    });
  return out.slice(0, 10).map((c) => ({ ...c, text: clipTo(c.text, 500) }));
}

function questionsOf(pack: EvidencePack, who: string, playbooks: readonly { target: EntityRef }[]): string[] {
  const out: string[] = [];
  const tactics = new Set(pack.incident.tactics.map((t) => t.id));
  for (const ip of pack.incident.entities.filter((e) => e.type === 'ip' && e.evidence.length).slice(0, 2))
    out.push(`Is ${q(ip.id)} an address that ${who || 'this principal'} normally works from?`);
  if (tactics.has('TA0003')) out.push('Which users, keys or login profiles created here are still active?');
  if (tactics.has('TA0010') || tactics.has('TA0009'))
    out.push('Was any data copied out before the exposure was closed, and by whom?');
  if (tactics.has('TA0005')) out.push('What happened while logging or defences were off?');
  out.push('Did anyone on the owning team make or approve these changes?');
  if (pack.omitted.count)
    out.push(
      `${pack.omitted.count} evidence item(s) were left out (${pack.omitted.reason}); do they change the story?`,
    );
  // An exposed resource no playbook can close (a shared snapshot or image) needs a person.
  for (const r of pack.incident.entities.filter(
    (e) => e.type === 'resource' && e.evidence.length && e.tactics.includes('TA0010'),
  ))
    if (!playbooks.some((p) => p.target.type === 'resource' && p.target.id === r.id.untrusted))
      out.push(`No catalogue playbook closes the exposure of ${q(r.id)}: who will revert it by hand?`);
  if (playbooks.length === 0)
    out.push('No catalogue playbook fits these entities: what manual containment is needed?');
  return out.slice(0, 10).map((s) => clipTo(s, 300));
}
