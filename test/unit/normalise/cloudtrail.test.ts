import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import {
  AccountChangeId,
  ApiActivityId,
  apiActivityOf,
  classifyCloudTrail,
} from '../../../shared/normalise/aws-cloudtrail-activity.ts';
import { normaliseCloudTrail } from '../../../shared/normalise/cloudtrail.ts';
import { normalise, TIME_FROM_RECEIPT_LABEL } from '../../../shared/normalise/index.ts';
import type { NormaliseContext } from '../../../shared/normalise/types.ts';
import { TIME_UNKNOWN_LABEL } from '../../../shared/normalise/util-ext-ocsf.ts';
import type { OcsfEvent } from '../../../shared/ocsf/types.ts';
import { loadOcsfSchema, validateOcsf } from '../../../shared/ocsf/validate.ts';

const DATA = path.resolve(process.cwd(), '../shared/data');
const schema = loadOcsfSchema(path.join(DATA, 'ocsf/schema-1.1.0.compiled.json'));
const ctx: NormaliseContext = { enrich: () => {} };

type Json = Record<string, unknown>;

const trail: Json[] = readFileSync(path.join(DATA, 'labelled/panther_aws_cloudtrail.ndjson'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line).event);

/** Security Lake sample inputs: CloudTrail delivery files from the AWS documentation. */
const sampleRecord = (folder: string, file: string): Json =>
  JSON.parse(
    readFileSync(
      path.join(DATA, 'samples/security-lake-ocsf/samples/1.0.0-rc.2/CLOUD_TRAIL', folder, 'input', file),
      'utf8',
    ),
  ).Records[0];

const find = (what: string, match: (e: Json) => boolean): Json => {
  const found = trail.find(match);
  if (!found) throw new Error(`no CloudTrail record in the labelled file: ${what}`);
  return structuredClone(found);
};

const identity = (e: Json): Json => (e.userIdentity ?? {}) as Json;
const parameters = (e: Json): Json => (e.requestParameters ?? {}) as Json;

/** Normalises a record that must succeed, and holds the result to the OCSF schema. */
function normaliseValid(record: Json): OcsfEvent {
  const result = normaliseCloudTrail(record, ctx);
  if (!result.ok) throw new Error(`expected success, got: ${result.error.message}`);
  expect(validateOcsf(result.event.ocsf, schema)).toEqual([]);
  expect(result.event.source).toBe('cloudtrail');
  expect(result.event.raw).toBe(record);
  return result.event.ocsf;
}

function rejection(record: unknown): ValidationError {
  const result = normaliseCloudTrail(record, ctx);
  if (result.ok) throw new Error('expected a rejection');
  expect(result.error).toBeInstanceOf(ValidationError);
  expect(result.error.source).toBe('normalise.cloudtrail');
  return result.error;
}

describe('CloudTrail console sign-in → Authentication (3002)', () => {
  it('maps a successful MFA console login of an IAM user', () => {
    const record = find(
      'ConsoleLogin with MFA',
      (e) => e.eventName === 'ConsoleLogin' && e.eventID === '12345',
    );
    const event = normaliseValid(record);
    expect(event).toMatchObject({
      class_uid: 3002,
      class_name: 'Authentication',
      category_uid: 3,
      activity_id: 1,
      activity_name: 'Logon',
      type_uid: 300201,
      type_name: 'Authentication: Logon',
      status_id: 1,
      status: 'Success',
      severity_id: 1,
      is_mfa: true,
      time: Date.UTC(2023, 0, 10, 20, 10, 41),
      metadata: {
        version: '1.1.0',
        uid: '12345',
        original_time: '2023-01-10 20:10:41',
        profiles: ['cloud'],
        product: { vendor_name: 'AWS', name: 'CloudTrail', version: record.eventVersion },
      },
      cloud: { provider: 'AWS', region: 'us-east-2', account: { uid: '12345' } },
      api: { operation: 'ConsoleLogin', service: { name: 'signin.amazonaws.com' } },
      service: { name: 'signin.amazonaws.com' },
      src_endpoint: { ip: '1.2.3.4' },
      http_request: { user_agent: record.userAgent },
    });
    expect(event.user).toMatchObject({
      name: 'homer_simpson',
      type: 'IAMUser',
      type_id: 1,
      uid_alt: 'arn:aws:iam::12345:user/homer_simpson',
    });
    expect(event.actor?.user).toEqual(event.user);
    expect(event.unmapped?.additionalEventData).toBe(record.additionalEventData);
    expect(event).not.toHaveProperty('raw_data');
  });

  it('reports a failed login as Failure, with the MFA flag the record carries', () => {
    const record = find(
      'failed ConsoleLogin with MFA',
      (e) =>
        e.eventName === 'ConsoleLogin' &&
        typeof e.eventTime === 'string' &&
        (e.responseElements as Json | null)?.ConsoleLogin === 'Failure' &&
        (e.additionalEventData as Json | null)?.MFAUsed === 'Yes',
    );
    const event = normaliseValid(record);
    expect(event.status_id).toBe(2);
    expect(event.status).toBe('Failure');
    expect(event.is_mfa).toBe(true);
  });

  it('marks a root login as an Admin user and a no-MFA login as is_mfa false', () => {
    const record = find(
      'root ConsoleLogin without MFA',
      (e) =>
        e.eventName === 'ConsoleLogin' &&
        identity(e).type === 'Root' &&
        (e.additionalEventData as Json | null)?.MFAUsed === 'No',
    );
    const event = normaliseValid(record);
    expect(event.user?.type).toBe('Root');
    expect(event.user?.type_id).toBe(2);
    expect(event.is_mfa).toBe(false);
  });

  it('carries the session of an Identity Center role login and calls its user a person', () => {
    const record = find(
      'ConsoleLogin through an Identity Center role',
      (e) =>
        e.eventName === 'ConsoleLogin' &&
        String(identity(e).arn).includes('AWSReservedSSO_') &&
        typeof e.eventTime === 'string',
    );
    const event = normaliseValid(record);
    expect(event.user?.type).toBe('AssumedRole');
    expect(event.user?.type_id).toBe(1);
    expect(event.user?.name).toMatch(/^AWSReservedSSO_[^/]+\/[^/]+$/);
    expect(event.session?.issuer).toContain('/aws-reserved/sso.amazonaws.com/');
  });

  it('reads the nanosecond Panther time format exactly', () => {
    const record = find('nanosecond eventTime', (e) => e.eventTime === '2024-06-02 19:41:40.000000000');
    expect(normaliseValid(record).time).toBe(Date.UTC(2024, 5, 2, 19, 41, 40));
  });
});

describe('CloudTrail identities → actor.user', () => {
  it('IAMUser: principal id as uid, ARN as uid_alt, key and account', () => {
    const record = find('IAMUser', (e) => identity(e).principalId === 'AIDAI123456789EXAMPLE');
    expect(normaliseValid(record).actor?.user).toEqual({
      uid: 'AIDAI123456789EXAMPLE',
      uid_alt: 'arn:aws:iam::123456789012:user/john.developer',
      name: 'john.developer',
      type: 'IAMUser',
      type_id: 1,
      credential_uid: 'AKIAI123456789EXAMPLE',
      account: { uid: '123456789012' },
    });
  });

  it('AssumedRole: role/session name, principal id, issuer, session time and MFA from strings', () => {
    const record = find(
      'AssumedRole with a session context',
      (e) => e.eventName === 'StartSession' && identity(e).type === 'AssumedRole',
    );
    const event = normaliseValid(record);
    expect(event.actor?.user).toMatchObject({
      uid: 'SAMPLE_PRINCIPAL_ID:bobson.dugnutt',
      uid_alt: 'arn:aws:sts::111122223333:assumed-role/SampleRole/bobson.dugnutt',
      name: 'SampleRole/bobson.dugnutt',
      type: 'AssumedRole',
      credential_uid: 'SAMPLE_ACCESS_KEY_ID',
    });
    expect(event.actor?.session).toEqual({
      created_time: Date.UTC(2025, 1, 19, 16, 29, 24),
      is_mfa: false,
      issuer: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-west-2/SampleRole',
    });
  });

  it('AssumedRole of a workload role is type Other, and invokedBy names the service', () => {
    const record = find(
      'service-linked role session',
      (e) => identity(e).invokedBy === 'autoscaling.amazonaws.com' && e.eventName === 'TerminateInstances',
    );
    const event = normaliseValid(record);
    expect(event.actor?.user?.type_id).toBe(99);
    expect(event.actor?.user?.name).toBe('AWSServiceRoleForAutoScaling/AutoScaling');
    expect(event.actor?.invoked_by).toBe('autoscaling.amazonaws.com');
    expect(event.actor?.session?.is_mfa).toBe(false);
  });

  it('Root: account id as uid, Admin type', () => {
    const record = find(
      'Root CreateAccessKey',
      (e) => e.eventName === 'CreateAccessKey' && identity(e).type === 'Root',
    );
    expect(normaliseValid(record).actor?.user).toMatchObject({
      uid: '123456789012',
      uid_alt: 'arn:aws:iam::123456789012:root',
      type: 'Root',
      type_id: 2,
    });
  });

  it('FederatedUser: the name from its ARN', () => {
    const record = find('FederatedUser', (e) => identity(e).type === 'FederatedUser');
    expect(normaliseValid(record).actor?.user).toMatchObject({
      uid: '123456789012:federated-user',
      name: 'federated-user',
      type: 'FederatedUser',
      type_id: 1,
    });
  });

  it('AWSAccount: the other account is the user account, the trail account is the cloud account', () => {
    const record = find(
      'AWSAccount',
      (e) => identity(e).type === 'AWSAccount' && e.recipientAccountId === '222222222222',
    );
    const event = normaliseValid(record);
    expect(event.actor?.user).toMatchObject({
      uid: 'AROAEXAMPLE:session-name',
      type: 'AWSAccount',
      type_id: 99,
      account: { uid: '111111111111' },
    });
    expect(event.cloud?.account?.uid).toBe('222222222222');
    expect(event.unmapped?.vpcEndpointId).toBe('vpce-EXAMPLE08c1b6b9b7');
  });

  it('SAMLUser and WebIdentityUser: user name and identity provider', () => {
    const saml = normaliseValid(sampleRecord('authentication', 'AssumeRoleWithSAML.test.json'));
    expect(saml.actor?.user).toMatchObject({ name: 'SamlExample', type: 'SAMLUser', type_id: 1 });
    expect(saml.actor?.idp?.name).toBe('bdGOnTesti4+ExamplexL/jEvs=');
    const web = normaliseValid(sampleRecord('authentication', 'AssumeRoleWithWebIdentity.test.json'));
    expect(web.actor?.user).toMatchObject({ type: 'WebIdentityUser', type_id: 1 });
    expect(web.actor?.idp?.name).toBe('accounts.google.com');
    // STS role assumption is an API call here: the resource is the role assumed.
    expect(web.class_uid).toBe(6003);
    expect(web.resources?.[0]).toMatchObject({ type: 'AWS::IAM::Role' });
  });

  // No record in the data has these identity types: real records get the identity shapes the
  // CloudTrail userIdentity documentation gives for them.
  it('AWSService: the invoking service is the user name and invoked_by', () => {
    const record = find(
      'CreateAccessKey via CloudFormation',
      (e) => e.eventName === 'CreateAccessKey' && e.eventID === '12345',
    );
    record.userIdentity = { type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' };
    const event = normaliseValid(record);
    expect(event.actor?.user).toEqual({
      name: 'cloudformation.amazonaws.com',
      type: 'AWSService',
      type_id: 3,
    });
    expect(event.actor?.invoked_by).toBe('cloudformation.amazonaws.com');
  });

  it('IdentityCenterUser: the identity-store user id and store', () => {
    const record = find('an Identity Center API call', (e) => e.eventSource === 'sso.amazonaws.com');
    record.eventTime = '2024-11-20T10:00:00Z';
    record.userIdentity = {
      type: 'IdentityCenterUser',
      accountId: '123456789012',
      onBehalfOf: {
        userId: '94482488-3041-7026-18f3-be45837cd0e4',
        identityStoreArn: 'arn:aws:identitystore::123456789012:identitystore/d-9067642ac7',
      },
      credentialId: 'EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE',
    };
    const event = normaliseValid(record);
    expect(event.actor?.user).toMatchObject({
      uid: '94482488-3041-7026-18f3-be45837cd0e4',
      type: 'IdentityCenterUser',
      type_id: 1,
      account: { uid: '123456789012' },
    });
    expect(event.actor?.idp?.uid).toBe('arn:aws:identitystore::123456789012:identitystore/d-9067642ac7');
  });

  it('Unknown: keeps what the record says, type Unknown', () => {
    const record = find('Unknown identity', (e) => identity(e).type === 'Unknown');
    record.eventTime = '2024-11-20T10:00:00Z'; // the fixture's time is a "..." placeholder
    const event = normaliseValid(record);
    expect(event.actor?.user?.type).toBe('Unknown');
    expect(event.actor?.user?.type_id).toBe(0);
  });

  it('a record without any identity names an Unknown user rather than guessing one', () => {
    const record = find('no userIdentity', (e) => e.eventname === 'ModifyInstanceAttribute');
    const event = normaliseValid(record);
    expect(event.actor?.user).toEqual({ type: 'Unknown', type_id: 0, name: 'Unknown' });
  });
});

describe('CloudTrail IAM lifecycle → Account Change (3001)', () => {
  it('CreateUser: Create, the new user is `user`, the caller is `actor`', () => {
    const record = find(
      'CreateUser',
      (e) => e.eventName === 'CreateUser' && parameters(e).userName === 'new-user',
    );
    const event = normaliseValid(record);
    expect(event).toMatchObject({
      class_uid: 3001,
      activity_id: 1,
      activity_name: 'Create',
      type_uid: 300101,
    });
    expect(event.user).toEqual({
      name: 'new-user',
      type: 'IAMUser',
      type_id: 1,
      account: { uid: '123456789012' },
    });
    expect(event.actor?.user?.uid).toBe(identity(record).principalId);
  });

  it('AttachUserPolicy and AttachRolePolicy: Attach Policy on the user or role named', () => {
    const user = normaliseValid(find('AttachUserPolicy', (e) => e.eventName === 'AttachUserPolicy'));
    expect(user.activity_id).toBe(7);
    expect(user.activity_name).toBe('Attach Policy');
    expect(user.user?.name).toBeTruthy();
    const role = normaliseValid(find('AttachRolePolicy', (e) => e.eventName === 'AttachRolePolicy'));
    expect(role.activity_id).toBe(7);
    expect(role.user).toMatchObject({ name: 'LambdaFunctionRole-1111', type: 'Role' });
  });

  it('UpdateLoginProfile: an administrator resetting another user’s password', () => {
    const record = find(
      'UpdateLoginProfile of another user',
      (e) => e.eventName === 'UpdateLoginProfile' && parameters(e).userName === 'bob',
    );
    const event = normaliseValid(record);
    expect(event.activity_id).toBe(4);
    expect(event.activity_name).toBe('Password Reset');
    expect(event.user?.name).toBe('bob');
    expect(event.actor?.user?.name).toBe('IAM/alice');
    expect(event.src_endpoint).toEqual({ svc_name: 'AWS Internal' });
  });

  it('CreateAccessKey: Other named by the event, the new key is the target’s credential', () => {
    const record = find(
      'CreateAccessKey for user1',
      (e) => e.eventName === 'CreateAccessKey' && e.eventID === '12345',
    );
    const event = normaliseValid(record);
    expect(event.activity_id).toBe(99);
    expect(event.activity_name).toBe('CreateAccessKey');
    expect(event.type_name).toBe('Account Change: Other');
    expect(event.user).toMatchObject({ name: 'user1', credential_uid: 'ABCDEFG' });
    expect(event.actor?.user?.credential_uid).toBe('ABCDEFGH');
    expect(event.src_endpoint).toEqual({
      svc_name: 'cloudformation.amazonaws.com',
      domain: 'cloudformation.amazonaws.com',
    });
  });

  it('a failed CreateAccessKey for oneself: the caller is the target, the error is kept', () => {
    const record = find(
      'CreateAccessKey over quota',
      (e) => e.eventName === 'CreateAccessKey' && e.errorCode !== undefined,
    );
    const event = normaliseValid(record);
    expect(event.status_id).toBe(2);
    expect(event.status_detail).toBe('Cannot exceed quota for AccessKeysPerUser: 2');
    expect(event.api?.response).toEqual({
      error: 'LimitExceededException',
      error_message: 'Cannot exceed quota for AccessKeysPerUser: 2',
    });
    expect(event.user?.name).toBe('some_iam_user');
    expect(event.user?.uid).toBe('AIDA55555555555555555');
  });

  it('PasswordUpdated at sign-in: Password Change, outcome from the response', () => {
    const changed = (outcome: string) =>
      normaliseValid(
        find(
          `PasswordUpdated ${outcome}`,
          (e) => (e.responseElements as Json | null)?.PasswordUpdated === outcome,
        ),
      );
    expect(changed('Success')).toMatchObject({ class_uid: 3001, activity_id: 3, status_id: 1 });
    expect(changed('Failure')).toMatchObject({ class_uid: 3001, activity_id: 3, status_id: 2 });
  });

  it('DeleteRole from the AWS documentation sample: Delete', () => {
    const event = normaliseValid(sampleRecord('account_change', 'DeleteRole.test.json'));
    expect(event.class_uid).toBe(3001);
    expect(event.activity_id).toBe(6);
    expect(event.user?.type).toBe('Role');
  });

  it('classifies the rest of the lifecycle by the OCSF 1.1 enum', () => {
    const iam = (name: string, params?: Json) => classifyCloudTrail('iam.amazonaws.com', name, params);
    expect(iam('EnableMFADevice').activityId).toBe(AccountChangeId.MfaFactorEnable);
    expect(iam('DeactivateMFADevice').activityId).toBe(AccountChangeId.MfaFactorDisable);
    expect(iam('ChangePassword').activityId).toBe(AccountChangeId.PasswordChange);
    expect(iam('DeleteUser').activityId).toBe(AccountChangeId.Delete);
    expect(iam('CreateLoginProfile').activityId).toBe(AccountChangeId.Enable);
    expect(iam('DetachUserPolicy').activityId).toBe(AccountChangeId.DetachPolicy);
    expect(iam('UpdateAccessKey', { status: 'Inactive' }).activityId).toBe(AccountChangeId.Disable);
    expect(iam('UpdateAccessKey', { status: 'Active' }).activityId).toBe(AccountChangeId.Enable);
    expect(iam('AddUserToGroup')).toEqual({ kind: 'account_change', activityId: 99, caption: 'Other' });
    expect(classifyCloudTrail('sso-directory.amazonaws.com', 'DisableUser', undefined).activityId).toBe(
      AccountChangeId.Disable,
    );
    // The same verb on another service is no account change.
    expect(classifyCloudTrail('ec2.amazonaws.com', 'CreateUser', undefined).kind).toBe('api_activity');
  });
});

describe('CloudTrail API calls → API Activity (6003)', () => {
  it('takes the activity from the verb, Batch deferring to the verb after it', () => {
    const cases: Array<[string, number]> = [
      ['RunInstances', ApiActivityId.Create],
      ['PutBucketPolicy', ApiActivityId.Create],
      ['DescribeInstances', ApiActivityId.Read],
      ['BatchGetSecretValue', ApiActivityId.Read],
      ['ListFunctions20150331', ApiActivityId.Read],
      ['ModifyImageAttribute', ApiActivityId.Update],
      ['AuthorizeSecurityGroupIngress', ApiActivityId.Update],
      ['UpdateFunctionCode20150331v2', ApiActivityId.Update],
      ['DeleteTrail', ApiActivityId.Delete],
      ['StopLogging', ApiActivityId.Delete],
      ['TerminateInstances', ApiActivityId.Delete],
      ['Decrypt', ApiActivityId.Other],
      ['Getaway', ApiActivityId.Other],
      ['', ApiActivityId.Other],
    ];
    for (const [name, activity] of cases) expect([name, apiActivityOf(name)]).toEqual([name, activity]);
  });

  it('names Other activities by the event, and maps resources from the request', () => {
    const record = find('TerminateInstances with instancesSet', (e) => e.eventName === 'TerminateInstances');
    const event = normaliseValid(record);
    expect(event).toMatchObject({
      class_uid: 6003,
      activity_id: 4,
      activity_name: 'Delete',
      type_uid: 600304,
    });
    expect(event.resources).toContainEqual({ name: 'i-0d9853f67e40ab80b', type: 'AWS::EC2::Instance' });
    const other = normaliseValid(find('LeaveOrganization', (e) => e.eventName === 'LeaveOrganization'));
    expect(other).toMatchObject({ activity_id: 99, activity_name: 'LeaveOrganization', type_uid: 600399 });
  });

  it('maps the CloudTrail resources list with its owning account', () => {
    const record = find(
      'KMS call with resources',
      (e) => Array.isArray(e.resources) && e.eventSource === 'kms.amazonaws.com',
    );
    const listed = (record.resources as Json[])[0] as Json;
    expect(normaliseValid(record).resources).toContainEqual({
      uid: listed.ARN,
      type: listed.type,
      owner: { account: { uid: listed.accountId } },
    });
  });

  it('a failed call is a Failure with the error code and message', () => {
    const record = find(
      'unauthorized RunInstances',
      (e) => e.eventName === 'RunInstances' && e.errorCode === 'Client.UnauthorizedOperation',
    );
    const event = normaliseValid(record);
    expect(event.status_id).toBe(2);
    expect(event.api?.response?.error).toBe('Client.UnauthorizedOperation');
    expect(event.api?.response?.error_message).toMatch(/^You are not authorized/);
    expect(event.api?.request?.uid).toBe(record.requestID);
  });

  it('never puts an invalid IP in src_endpoint.ip: a leading-zero address is kept in unmapped', () => {
    const record = find('leading-zero sourceIPAddress', (e) => e.sourceIPAddress === '06.237.252.245');
    const event = normaliseValid(record);
    expect(event.src_endpoint).toEqual({ name: '06.237.252.245' });
    expect(event.unmapped?.sourceIPAddress).toBe('06.237.252.245');
  });

  it('a record without a source address says so rather than inventing one', () => {
    const record = find(
      'no sourceIPAddress',
      (e) => e.eventName === 'TerminateInstances' && e.sourceIPAddress === undefined,
    );
    expect(normaliseValid(record).src_endpoint).toEqual({ name: 'Unknown' });
  });

  it('accepts all-lowercase exports (Athena, Security Lake) under canonical names', () => {
    const record = find(
      'lower-cased export',
      (e) => e.eventname === 'GetAccountPasswordPolicy' && e.useridentity !== undefined,
    );
    const event = normaliseValid(record);
    expect(event).toMatchObject({
      class_uid: 6003,
      activity_id: 2,
      time: Date.UTC(2023, 0, 10, 23, 10, 6),
      api: { operation: 'GetAccountPasswordPolicy', service: { name: 'iam.amazonaws.com' } },
      cloud: { region: 'us-east-1' },
      metadata: { uid: '1808ca3b-4311-4b48-9d1f-21061acb2329', product: { version: '1.08' } },
    });
    expect(event.actor?.user?.uid).toBe('arn:aws:test_arn');
    expect(event.unmapped).toMatchObject({ eventCategory: 'Management', managementEvent: true });
    expect(event.unmapped).not.toHaveProperty('eventcategory');
  });
});

describe('CloudTrail rejections and hostile input', () => {
  it('rejects what is not a CloudTrail record, saying which field is wrong', () => {
    expect(rejection({}).message).toBe('cloudtrail: eventName missing or not a string');
    for (const input of [null, [], 'ConsoleLogin', 42, undefined]) {
      expect(rejection(input).message).toBe('cloudtrail: record is not a JSON object');
    }
    const noSource = find('a full record', (e) => e.eventID === '12345' && e.eventName === 'ConsoleLogin');
    delete noSource.eventSource;
    expect(rejection(noSource).message).toBe('cloudtrail: eventSource missing or not a string');
  });

  it('dates a record without a usable eventTime by its receipt, labelled so, and refuses it without one', () => {
    const timeless = find('no eventTime', (e) => e.eventName === 'ConsoleLogin' && e.eventTime === undefined);
    const placeholder = find('placeholder time', (e) => e.eventTime === '...');
    const impossible = find('a full record', (e) => e.eventID === '12345' && e.eventName === 'ConsoleLogin');
    impossible.eventTime = '2023-02-29T10:00:00Z';
    const receivedAt = Date.parse('2026-11-23T12:00:00Z');
    for (const record of [timeless, placeholder, impossible]) {
      const direct = normaliseCloudTrail(record, ctx);
      if (!direct.ok) throw new Error(`expected an event, got: ${direct.error.message}`);
      expect(direct.event.ocsf.metadata.labels).toEqual([TIME_UNKNOWN_LABEL]);

      const [dated] = normalise(record, { ...ctx, receivedAt });
      if (!dated?.ok) throw new Error('expected the dispatcher to date the record');
      expect(dated.event.ocsf.time).toBe(receivedAt);
      expect(dated.event.ocsf.metadata.labels).toEqual([TIME_FROM_RECEIPT_LABEL]);
      expect(validateOcsf(dated.event.ocsf, schema)).toEqual([]);

      const [refused] = normalise(record, ctx);
      if (refused?.ok !== false) throw new Error('expected a rejection without a receipt time');
      expect(refused.error.message).toBe('record has no usable time and no receipt time was given');
    }
  });

  it('cuts strings to what OCSF string_t holds and is not fooled by prototype keys', () => {
    const record = find('a full record', (e) => e.eventID === '12345' && e.eventName === 'ConsoleLogin');
    record.userAgent = 'A'.repeat(200_000);
    record.eventName = 'constructor';
    Object.defineProperty(record, '__proto__', { value: { polluted: true }, enumerable: true });
    const event = normaliseValid(record);
    expect(event.http_request?.user_agent).toHaveLength(65_535);
    expect(event.activity_id).toBe(99);
    expect(Object.getPrototypeOf(event.unmapped)).toBe(Object.prototype);
    expect(({} as Json).polluted).toBeUndefined();
  });

  it('enriches every event once, and keeps the record if enrichment throws', () => {
    const record = find('a full record', (e) => e.eventID === '12345' && e.eventName === 'ConsoleLogin');
    const seen: OcsfEvent[] = [];
    const result = normaliseCloudTrail(record, { enrich: (e) => seen.push(e) });
    expect(result.ok && seen).toEqual([result.ok && result.event.ocsf]);
    const broken = normaliseCloudTrail(record, {
      enrich: () => {
        throw new Error('geo database missing');
      },
    });
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.error.message).toBe(
      'cloudtrail: enrichment failed: Error: geo database missing',
    );
  });
});
