/**
 * The raw readers (detection and Sigma) read record fields with plain property reads: far cheaper
 * than `Object.hasOwn` at every step, and exact for JSON records, which inherit only
 * Object.prototype's own members (paths naming those take an own-property walk). That holds only
 * while nothing has added to Object.prototype. JSON.parse cannot, and the normalisers refuse
 * `__proto__`, but a prototype-pollution bug anywhere in the process would make every record seem to
 * carry the planted field. So each batch first checks that Object.prototype has only the members it
 * had when this module loaded, and refuses the batch otherwise: failing closed, and loudly, since
 * the input is then redelivered and ends in the dead-letter queue with this reason.
 */
const BUILT_IN = new Set(Object.getOwnPropertyNames(Object.prototype));

export class PrototypePollutedError extends Error {
  constructor(name: string) {
    super(
      `Object.prototype has gained a member (${JSON.stringify(name.slice(0, 64))}): field reads could see it on every record, so detection refuses the batch`,
    );
    this.name = 'PrototypePollutedError';
  }
}

export function assertPrototypeIntact(): void {
  for (const name of Object.getOwnPropertyNames(Object.prototype))
    if (!BUILT_IN.has(name)) throw new PrototypePollutedError(name);
}
