import { buildEngine } from '../shared/detect/engine.ts';
import type { Detection, DetectionConfig } from '../shared/detect/types.ts';
import { memoryWindow } from '../shared/detect/window.ts';
import { defaultEnricher } from '../shared/enrich/index.ts';
import { normalise } from '../shared/normalise/index.ts';

export interface ThroughputFigures {
  events: number;
  bytes: number;
  /** Bare `JSON.parse` of every line: the baseline, measured in the same run. */
  parseEventsPerSec: number;
  /** `JSON.parse` + normalise to OCSF + enrichment, on one core. */
  normaliseEventsPerSec: number;
  /** normalise ÷ parse: the figure that survives a noisy machine. Goal ≥ 0.6. */
  ratio: number;
  normalisedOk: number;
  normalisedFailed: number;
  /** Events whose source IP got a country: proof that enrichment really ran in the measured build. */
  withCountry: number;
  rounds: number;
}

export interface DetectFigures {
  events: number;
  detections: number;
  parseEventsPerSec: number;
  /** `JSON.parse` + normalise + enrich + every detection (native and Sigma), one core. Goal ≥ 0.6. */
  detectEventsPerSec: number;
  ratio: number;
  signals: number;
  rounds: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

const timeIt = (fn: () => void): number => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
};

/**
 * Measures both passes over the same lines, interleaved round by round so drift in the
 * machine's speed (other tenants, thermal) hits baseline and subject alike; reports medians.
 */
export function benchNormalise(lines: string[], rounds = 5): ThroughputFigures {
  const ctx = { enrich: defaultEnricher(), receivedAt: Date.now() };
  let sink = 0;
  let ok = 0;
  let failed = 0;
  let withCountry = 0;
  const parsePass = () => {
    for (const line of lines) if (JSON.parse(line) !== null) sink++;
  };
  const normalisePass = () => {
    ok = 0;
    failed = 0;
    withCountry = 0;
    for (const line of lines) {
      for (const r of normalise(JSON.parse(line), ctx)) {
        if (!r.ok) {
          failed++;
          continue;
        }
        ok++;
        if (r.event.ocsf.src_endpoint?.location?.country) withCountry++;
      }
    }
  };
  // One untimed pass each: JIT warm-up, lazy geo database load, caches filled as in a warm Lambda.
  parsePass();
  normalisePass();
  const parseTimes: number[] = [];
  const normaliseTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    parseTimes.push(timeIt(parsePass));
    normaliseTimes.push(timeIt(normalisePass));
  }
  if (sink < 0) throw new Error('unreachable: keeps the parse pass from being optimised away');
  const parseEventsPerSec = lines.length / median(parseTimes);
  const normaliseEventsPerSec = lines.length / median(normaliseTimes);
  return {
    events: lines.length,
    bytes: lines.reduce((n, l) => n + l.length, 0),
    parseEventsPerSec,
    normaliseEventsPerSec,
    ratio: normaliseEventsPerSec / parseEventsPerSec,
    normalisedOk: ok,
    normalisedFailed: failed,
    withCountry,
    rounds,
  };
}

/** The same interleaved measurement with detection added: the whole per-event hot path. */
export function benchDetect(lines: string[], detections: readonly Detection[], rounds = 5): DetectFigures {
  const ctx = { enrich: defaultEnricher(), receivedAt: Date.now() };
  const engine = buildEngine(detections);
  const config: DetectionConfig = {
    orgAccounts: new Set(['111122223333']),
    isTrustedNetwork: (ip) => ip.startsWith('10.'),
  };
  let signals = 0;
  let sink = 0;
  const parsePass = () => {
    for (const line of lines) if (JSON.parse(line) !== null) sink++;
  };
  const detectPass = () => {
    signals = 0;
    const context = { window: memoryWindow(), config };
    for (const line of lines) {
      for (const r of normalise(JSON.parse(line), ctx))
        if (r.ok) signals += engine.run(r.event, context).length;
    }
  };
  parsePass();
  detectPass();
  const parseTimes: number[] = [];
  const detectTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    parseTimes.push(timeIt(parsePass));
    detectTimes.push(timeIt(detectPass));
  }
  if (sink < 0) throw new Error('unreachable: keeps the parse pass from being optimised away');
  const parseEventsPerSec = lines.length / median(parseTimes);
  const detectEventsPerSec = lines.length / median(detectTimes);
  return {
    events: lines.length,
    detections: detections.length,
    parseEventsPerSec,
    detectEventsPerSec,
    ratio: detectEventsPerSec / parseEventsPerSec,
    signals,
    rounds,
  };
}
