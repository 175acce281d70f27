/** Real records from the shared, read-only test data (../shared/data from the project root). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const DATA_DIR = path.resolve(process.cwd(), '../shared/data');

interface LabelledLine {
  event: unknown;
}

/** The `.event` of each line of a labelled NDJSON file (e.g. `panther_aws_cloudtrail.ndjson`). */
export function labelledEvents(file: string): unknown[] {
  return readFileSync(path.join(DATA_DIR, 'labelled', file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as LabelledLine).event);
}
