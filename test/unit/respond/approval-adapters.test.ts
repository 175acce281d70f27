import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeQuotedPrintable, latestApprovalLink, outboxMailer } from '../../../local/outbox-mailer.ts';
import { TransientError, ValidationError } from '../../../shared/errors.ts';
import { kmsTokenSealer } from '../../../shared/store/kms-token-sealer.ts';
import { sesMailer } from '../../../shared/store/ses-mailer.ts';

const awsError = (name: string, status = 400) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('SES mailer', () => {
  const ses = mockClient(SESv2Client);
  beforeEach(() => ses.reset());

  it('sends the composed bytes unchanged, to the given recipients', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const raw = Buffer.from('From: vigil@example.org\r\nSubject: x\r\n\r\nbody\r\n');
    await sesMailer({ client: new SESv2Client({ region: 'eu-west-1' }), configurationSetName: 'vigil' }).send(
      raw,
      {
        to: ['alice@example.org'],
        subject: 'x',
      },
    );
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.Destination).toEqual({ ToAddresses: ['alice@example.org'] });
    expect(input.ConfigurationSetName).toBe('vigil');
    expect(Buffer.from(input.Content!.Raw!.Data!).equals(raw)).toBe(true);
  });

  it('turns throttling into a TransientError and passes other failures through', async () => {
    const mailer = sesMailer({ client: new SESv2Client({ region: 'eu-west-1' }) });
    ses.on(SendEmailCommand).rejects(awsError('TooManyRequestsException', 429));
    await expect(
      mailer.send(Buffer.from('x'), { to: ['a@example.org'], subject: 'x' }),
    ).rejects.toBeInstanceOf(TransientError);
    ses.on(SendEmailCommand).rejects(awsError('MessageRejected'));
    await expect(mailer.send(Buffer.from('x'), { to: ['a@example.org'], subject: 'x' })).rejects.toThrow(
      'MessageRejected',
    );
  });
});

describe('KMS token sealer', () => {
  const kms = mockClient(KMSClient);
  beforeEach(() => kms.reset());
  const sealer = () =>
    kmsTokenSealer({ client: new KMSClient({ region: 'eu-west-1' }), keyId: 'alias/vigil-tokens' });

  it('encrypts under the key with the approval id as context, and decrypts with the same context', async () => {
    const blob = randomBytes(200);
    kms.on(EncryptCommand).resolves({ CiphertextBlob: blob });
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from('the-token') });
    const sealed = await sealer().seal('the-token', 'approval-1');
    expect(sealed).toBe(`kms1.${blob.toString('base64url')}`);
    const enc = kms.commandCalls(EncryptCommand)[0]!.args[0].input;
    expect(enc.KeyId).toBe('alias/vigil-tokens');
    expect(enc.EncryptionContext).toEqual({ approval_id: 'approval-1' });
    expect(Buffer.from(enc.Plaintext!).toString()).toBe('the-token');

    expect(await sealer().open(sealed, 'approval-1')).toBe('the-token');
    const dec = kms.commandCalls(DecryptCommand)[0]!.args[0].input;
    expect(dec.EncryptionContext).toEqual({ approval_id: 'approval-1' });
    expect(dec.KeyId).toBe('alias/vigil-tokens');
    expect(Buffer.from(dec.CiphertextBlob!).equals(blob)).toBe(true);
  });

  it('refuses what is not its own, a wrong context, and sorts KMS failures', async () => {
    await expect(sealer().open('v1.abc', 'approval-1')).rejects.toBeInstanceOf(ValidationError);
    await expect(sealer().open('kms1.', 'approval-1')).rejects.toBeInstanceOf(ValidationError);
    await expect(sealer().seal('', 'approval-1')).rejects.toBeInstanceOf(ValidationError);
    expect(kms.calls()).toHaveLength(0);

    kms.on(DecryptCommand).rejects(awsError('InvalidCiphertextException'));
    await expect(sealer().open('kms1.AAAA', 'approval-2')).rejects.toThrow(/does not open/);
    kms.on(DecryptCommand).rejects(awsError('ThrottlingException', 400));
    await expect(sealer().open('kms1.AAAA', 'approval-1')).rejects.toBeInstanceOf(TransientError);
    kms.on(EncryptCommand).rejects(awsError('AccessDeniedException'));
    await expect(sealer().seal('t', 'approval-1')).rejects.toThrow('AccessDeniedException');
  });
});

describe('outbox mailer', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'vigil-outbox-')), 'nested', 'outbox');
  });
  afterEach(async () => {
    await rm(join(dir, '..', '..'), { recursive: true, force: true });
  });

  const message = (url: string) =>
    Buffer.from(
      [
        'From: vigil@example.org',
        'Content-Type: multipart/alternative; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        `Review: ${url.slice(0, 40)}=`,
        `${url.slice(40)}`,
        '',
        '--b1--',
        '',
      ].join('\r\n'),
    );

  it('writes one private .eml per message, and finds the newest approval link', async () => {
    let clock = Date.parse('2026-11-23T10:00:00Z');
    const mailer = outboxMailer(dir, { now: () => new Date(clock) });
    expect(await latestApprovalLink(dir)).toBeUndefined();

    const older = `http://127.0.0.1:8787/approvals/${'A'.repeat(32)}.m1abc.${'s'.repeat(43)}`;
    const newer = `http://127.0.0.1:8787/approvals/${'B'.repeat(32)}.m1abd.${'t'.repeat(43)}`;
    await mailer.send(message(older), { to: ['a@example.org'], subject: 'x' });
    clock += 1000;
    await mailer.send(message(newer), { to: ['a@example.org'], subject: 'x' });
    // Not an approval message: skipped.
    await writeFile(join(dir, 'notes.txt'), newer.replace('B', 'C'));

    const names = (await readdir(dir)).filter((n) => n.endsWith('.eml')).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^20261123T100000\.000Z-[0-9a-f]{8}\.eml$/);
    expect(names[1]).toMatch(/^20261123T100001\.000Z-[0-9a-f]{8}\.eml$/);
    expect((await stat(join(dir, names[0]!))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dir, names[1]!))).equals(message(newer))).toBe(true);
    expect(await latestApprovalLink(dir)).toBe(newer);
  });

  it('decodes quoted-printable soft breaks and escapes', () => {
    expect(decodeQuotedPrintable('caf=C3=A9 =\r\nlong=3D line').toString('utf8')).toBe('café long= line');
  });
});
