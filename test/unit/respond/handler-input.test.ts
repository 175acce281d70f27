/**
 * The response functions validate what the state machine hands them before any logic or I/O:
 * malformed payloads (truncated JSON, wrong types, oversized fields) are refused with a clear
 * ValidationError naming the field, and nothing is read or written (the stores point nowhere).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../support/lambda-context.ts';
import { captureLogs } from '../../support/logs.ts';

const PLAN = {
  id: 'inc-1#abc',
  incident_id: 'inc-1',
  playbook: null,
  mode: 'off',
  actions: [],
  blocked: [],
  approvals_required: 0,
  created_at: 1,
};

beforeAll(() => {
  // The functions' environment as infra/ writes it; the endpoint refuses connections, so any store
  // access would fail loudly rather than pass.
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
    TABLE_NAME: 'vigil-test',
    AUDIT_TABLE_NAME: 'vigil-test-audit',
    RESPONSE_ACTION: 'block_ip',
  });
});

const cases: [string, unknown, RegExp][] = [
  ['a truncated JSON string instead of an object', '{"incident_id": "inc-', /\(root\): invalid_type/],
  ['a number where an id belongs', { incident_id: 42 }, /incident_id: invalid_type/],
  ['an oversized id', { incident_id: 'x'.repeat(100_000) }, /incident_id: too_big/],
  ['nothing at all', null, /\(root\): invalid_type/],
];

describe('response functions refuse malformed input before doing anything', () => {
  it.each(cases)('plan: %s', async (_name, input, reason) => {
    const logs = captureLogs();
    try {
      const { handler } = await import('../../../functions/respond/plan.ts');
      await expect(handler(input as never, lambdaContext('vigil-respond-plan'))).rejects.toMatchObject({
        name: 'ValidationError',
        message: expect.stringMatching(reason),
      });
      // The log names the failure and where it came from, never the payload.
      expect(JSON.stringify(logs.entries())).not.toContain('x'.repeat(100));
    } finally {
      logs.restore();
    }
  });

  it('guard, action and record refuse plans of the wrong shape, naming the field', async () => {
    const logs = captureLogs();
    const ctx = lambdaContext('vigil-respond');
    const { handler: guard } = await import('../../../functions/respond/guard.ts');
    await expect(guard({ plan: { ...PLAN, mode: 'yolo' } } as never, ctx)).rejects.toMatchObject({
      message: expect.stringMatching(/plan\.mode: invalid_value/),
    });
    const { handler: action } = await import('../../../functions/respond/action.ts');
    await expect(
      action(
        {
          op: 'run',
          plan_id: 'p',
          incident_id: 'i',
          planned_at: 1,
          action: {
            key: 'k',
            action: 'rm_rf',
            target: { type: 'ip', id: '198.51.100.7' },
            mode: 'auto',
            destructive: false,
          },
        } as never,
        ctx,
      ),
    ).rejects.toMatchObject({ message: expect.stringMatching(/action\.action: invalid_value/) });
    const { handler: record } = await import('../../../functions/respond/record.ts');
    await expect(
      record({ conclusion: 'completed', plan: { ...PLAN, actions: 'all' } } as never, ctx),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/plan\.actions: invalid_type/),
    });
    expect(logs.entries().map((e) => e.kind)).toEqual(['validation', 'validation', 'validation']);
    logs.restore();
  });
});
