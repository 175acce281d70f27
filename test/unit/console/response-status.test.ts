import { describe, expect, it } from 'vitest';
import { responseStatus } from '../../../console/views/incident.ts';
import type { AuditEntry, AuditEvent } from '../../../shared/respond/ports.ts';

const entry = (event: AuditEvent, at: number, action_key?: string, ref?: string): AuditEntry => ({
  incident_id: 'inc-1',
  plan_id: 'inc-1#p',
  event,
  actor: 'vigil',
  at,
  details: {},
  ...(action_key ? { action_key } : {}),
  ...(ref ? { ref } : {}),
});

describe('the response status the incident page shows', () => {
  it('follows the audit trail from request to outcome', () => {
    expect(responseStatus([entry('planned', 1)])).toBeUndefined();
    expect(responseStatus([entry('planned', 1), entry('approval_requested', 2)])).toBe(
      'waiting for approval',
    );
    expect(responseStatus([entry('approval_requested', 2), entry('approved', 3)])).toBe(
      'approved: actions running',
    );
    expect(
      responseStatus([
        entry('approved', 3),
        entry('applied', 4, 'deactivate_access_key:AKIA', 'exec-1'),
        entry('blocked', 4, 'block_ip:198.51.100.77', 'exec-1'),
        entry('applied', 4, 'quarantine_iam_user:arn', 'exec-1'),
      ]),
    ).toBe('ran: 2 applied, 1 blocked');
  });

  it('says plainly when nothing ran', () => {
    expect(responseStatus([entry('approval_requested', 2), entry('timed_out', 9)])).toBe(
      'approval expired: nothing ran',
    );
    expect(responseStatus([entry('approval_requested', 2), entry('rejected', 5)])).toBe(
      'rejected: nothing ran',
    );
    // A guard refusal at planning time is not an outcome of running anything.
    expect(responseStatus([entry('blocked', 1), entry('approval_requested', 2)])).toBe(
      'waiting for approval',
    );
  });
});
