/**
 * The demo story with the injection corpus planted in the fields an attacker controls: the
 * userAgent of every call the leaked key makes, request parameters that name resources (the trail
 * StopLogging names, the snapshot's description), the error message of one more refused call, and
 * a malformed record that the pipeline quarantines. The intrusion itself is unchanged, so the
 * payloads land in the evidence of the incident the console shows.
 */
import { attackStory, LEAKED_KEY } from '../../../local/story/attack-story.ts';
import { INJECTION_PAYLOADS, plant } from '../../unit/narrate/injection-corpus.ts';

type Json = Record<string, unknown>;

/** The payloads made of markup or links: the ones that would show if escaping or defanging failed. */
export const MARKUP_PAYLOADS: readonly string[] = INJECTION_PAYLOADS.filter((p) =>
  /[<>[\]]|:\/\/|www\.|javascript:/i.test(p),
);

/** Calls whose evidence the console shows (each fires a detection): they get the markup payloads first. */
const EVIDENCE_CALLS = [
  'AttachUserPolicy',
  'CreateUser',
  'CreateAccessKey',
  'CreateLoginProfile',
  'StopLogging',
  'ModifySnapshotAttribute',
  'GetAccountAuthorizationDetails',
  'ListFunctions20150331',
];

const detailOf = (e: Json) => e.detail as Json;
const nameOf = (e: Json) => detailOf(e).eventName as string;
const isLeakedKeyCall = (e: Json) =>
  e['detail-type'] === 'AWS API Call via CloudTrail' &&
  (detailOf(e).userIdentity as Json | undefined)?.accessKeyId === LEAKED_KEY;

export interface HostileStory {
  events: Json[];
  /** Which payload went where (`userAgent of CreateUser`, …). */
  planted: { field: string; payload: string }[];
}

export function hostileStory(): HostileStory {
  const events = attackStory();
  const planted: HostileStory['planted'] = [];
  // Markup and links first, then the rest of the corpus, round and round.
  const queue = [...MARKUP_PAYLOADS, ...INJECTION_PAYLOADS.filter((p) => !MARKUP_PAYLOADS.includes(p))];
  let next = 0;
  const take = () => queue[next++ % queue.length] as string;

  const attacker = events
    .map((event, index) => ({ event, index }))
    .filter(({ event }) => isLeakedKeyCall(event))
    .sort((a, b) => rank(a.event) - rank(b.event));
  for (const { event, index } of attacker) {
    const payload = take();
    let out = plant(event, ['detail', 'userAgent'], payload) as Json;
    planted.push({ field: `userAgent of ${nameOf(event)}`, payload });
    if (nameOf(event) === 'StopLogging') {
      const name = take();
      out = plant(out, ['detail', 'requestParameters', 'name'], name) as Json;
      planted.push({ field: 'requestParameters.name of StopLogging', payload: name });
    }
    if (nameOf(event) === 'CreateSnapshot') {
      const description = take();
      out = plant(out, ['detail', 'requestParameters', 'description'], description) as Json;
      planted.push({ field: 'requestParameters.description of CreateSnapshot', payload: description });
    }
    events[index] = out;
  }

  // One more call with the leaked key, refused, whose error message quotes attacker input.
  const template = events.find((e) => isLeakedKeyCall(e) && nameOf(e) === 'ListSecrets') as Json;
  const refused = structuredClone(template);
  const message = take();
  Object.assign(detailOf(refused), {
    eventName: 'GetSecretValue',
    requestParameters: { secretId: take() },
    errorCode: 'AccessDeniedException',
    errorMessage: message,
    eventID: '0b5e1c2d-0000-4000-8000-00000000f001',
    requestID: '0b5e1c2d-0000-4000-8000-00000000f002',
  });
  refused.id = '0b5e1c2d-0000-4000-8000-00000000f003';
  planted.push({ field: 'errorMessage of GetSecretValue', payload: message });
  events.splice(events.indexOf(template) + 1, 0, refused);

  // A record the normaliser refuses (no eventName): it is quarantined and listed on /health.
  const malformed = structuredClone(template);
  delete detailOf(malformed).eventName;
  detailOf(malformed).userAgent = take();
  detailOf(malformed).eventID = '0b5e1c2d-0000-4000-8000-00000000f004';
  malformed.id = '0b5e1c2d-0000-4000-8000-00000000f005';
  events.push(malformed);

  return { events, planted };
}

function rank(event: Json): number {
  const i = EVIDENCE_CALLS.indexOf(nameOf(event));
  return i === -1 ? EVIDENCE_CALLS.length : i;
}
