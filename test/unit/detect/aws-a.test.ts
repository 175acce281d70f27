// Every registered detection’s metadata and cases are run by catalogue.test.ts; this file tests the helpers and behaviour beyond the cases.
import { describe, expect, it } from 'vitest';
import { AWS_DEFENSE_EVASION } from '../../../shared/detect/catalogue/aws-defense-evasion.ts';
import {
  actorClass,
  actsOnSelf,
  policyBreadth,
  rs,
  rv,
  who,
} from '../../../shared/detect/catalogue/aws-helpers-a.ts';
import { AWS_INITIAL_ACCESS } from '../../../shared/detect/catalogue/aws-initial-access.ts';
import { AWS_PERSISTENCE, trustFindings } from '../../../shared/detect/catalogue/aws-persistence.ts';
import { AWS_PRIVILEGE_ESCALATION } from '../../../shared/detect/catalogue/aws-privilege-escalation.ts';
import { freshContext } from '../../support/detection-fixtures.ts';

/** The AWS initial-access, persistence, privilege-escalation and defense-evasion detections. */
const _MINE = [
  ...AWS_INITIAL_ACCESS,
  ...AWS_PERSISTENCE,
  ...AWS_PRIVILEGE_ESCALATION,
  ...AWS_DEFENSE_EVASION,
];
const _ctx = { enrich: () => {} };

describe('AWS detection helpers', () => {
  it('reads canonical or all-lowercase keys, step by step', () => {
    const raw = { eventname: 'X', requestparameters: { userName: 'bob' }, userIdentity: { type: 'IAMUser' } };
    expect(rs(raw, 'eventName')).toBe('X');
    expect(rs(raw, 'requestParameters.userName')).toBe('bob');
    expect(rs(raw, 'userIdentity.type')).toBe('IAMUser');
    expect(rv({ a: { constructor: 1 } }, 'b.constructor')).toBeUndefined();
    expect(rv({}, 'toString')).toBeUndefined();
  });

  it('parses policy documents given as objects, JSON text or URL-encoded text', () => {
    const doc = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    expect(policyBreadth(doc)).toBe('admin');
    expect(policyBreadth(JSON.stringify(doc))).toBe('admin');
    expect(policyBreadth(encodeURIComponent(JSON.stringify(doc)))).toBe('admin');
    expect(policyBreadth('{not json')).toBeUndefined();
    expect(policyBreadth({ Statement: { Effect: 'Allow', Action: 'iam:*', Resource: ['*'] } })).toBe(
      'iam_admin',
    );
    expect(policyBreadth({ Statement: { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' } })).toBe(
      'not_action',
    );
    expect(
      policyBreadth({ Statement: { Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b/*' } }),
    ).toBeUndefined();
  });

  it('classifies actors', () => {
    const rec = (identity: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      userIdentity: identity,
      ...extra,
    });
    expect(actorClass(rec(who.root()))).toBe('root');
    expect(actorClass(rec(who.user('maria')))).toBe('human');
    expect(actorClass(rec(who.user('terraform-ci')))).toBe('automation');
    expect(actorClass(rec(who.sso('Admin', 'leroy.jenkins')))).toBe('human');
    expect(actorClass(rec(who.role('DeployRole', 'build-7')))).toBe('automation');
    expect(actorClass(rec(who.role('app', 'i-0a1b2c3d4e5f67890')))).toBe('workload');
    expect(actorClass(rec(who.role('Ops', 'botocore-session-1709371234')))).toBe('human');
    expect(actorClass(rec(who.role('Ops', 'jo'), { sessionCredentialFromConsole: 'true' }))).toBe('human');
    // Older records name the console only in the user agent.
    expect(actorClass(rec(who.role('tester', 'tester'), { userAgent: 'console.ec2.amazonaws.com' }))).toBe(
      'human',
    );
    expect(actorClass(rec(who.role('tester', 'tester'), { userAgent: 'console.amazonaws.com' }))).toBe(
      'human',
    );
    expect(actorClass(rec(who.role('tester', 'tester'), { userAgent: 'aws-sdk-go/1.44.0' }))).toBe(
      'workload',
    );
    expect(actorClass(rec(who.role('deploy-bot', 'ci'), { userAgent: 'console.amazonaws.com' }))).toBe(
      'automation',
    );
    expect(actorClass(rec(who.cfn()))).toBe('automation');
    expect(actorClass(rec(who.service('lambda.amazonaws.com')))).toBe('service');
    expect(
      actorClass(
        rec(
          who.role('AWSServiceRoleForSSO', 'AWS-SSO', { issuerPath: 'aws-service-role/sso.amazonaws.com/' }),
        ),
      ),
    ).toBe('service');
  });

  it('tells a user acting on itself from one acting on another, by ARN rather than the userName field', () => {
    const jackson = { userIdentity: { ...who.user('jackson'), userName: 'user1' } };
    expect(actsOnSelf(jackson, 'jackson')).toBe(true);
    expect(actsOnSelf(jackson, 'JACKSON')).toBe(true);
    expect(actsOnSelf(jackson, 'jack')).toBe(false);
    expect(actsOnSelf(jackson, 'user1')).toBe(false);
    expect(actsOnSelf(jackson, undefined)).toBe(true);
    expect(actsOnSelf({ userIdentity: who.role('IAMAdmin', 'alice@example.com') }, 'alice')).toBe(true);
  });

  it('reads role trust policies for outside accounts, anyone and open GitHub OIDC', () => {
    const context = freshContext();
    const raw = { recipientAccountId: '111122223333' };
    const f = trustFindings(
      {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: ['arn:aws:iam::444455556666:root', '123456789012'] },
            Action: 'sts:AssumeRole',
          },
          {
            Effect: 'Allow',
            Principal: { AWS: '999988887777' },
            Condition: { StringEquals: { 'sts:ExternalId': 'x' } },
          },
          { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' },
        ],
      },
      raw,
      context,
    );
    expect(f.public).toBe(false);
    expect(f.foreign).toEqual(['444455556666', '999988887777']);
    expect(f.foreignWithoutExternalId).toEqual(['444455556666']);
    expect(trustFindings({ Statement: { Effect: 'Allow', Principal: '*' } }, raw, context).public).toBe(true);
  });
});
