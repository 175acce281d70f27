/**
 * Mailer over SES v2: the composed message goes out exactly as built (Content.Raw), so what the
 * tests parse is what the approvers receive. Recipients are given explicitly rather than left to
 * SES to read from the headers.
 */
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Mailer } from '../respond/approval-email.ts';
import { rethrowAwsError } from './aws-errors.ts';

const SOURCE = 'store.ses-mailer';

export interface SesMailerOptions {
  client: SESv2Client;
  /** SES configuration set (event publishing, suppression), if the deployment has one. */
  configurationSetName?: string;
}

export function sesMailer(options: SesMailerOptions): Mailer {
  const { client, configurationSetName } = options;
  return {
    async send(raw, meta) {
      try {
        await client.send(
          new SendEmailCommand({
            Destination: { ToAddresses: meta.to },
            Content: { Raw: { Data: raw } },
            ...(configurationSetName ? { ConfigurationSetName: configurationSetName } : {}),
          }),
        );
      } catch (e) {
        rethrowAwsError(e, SOURCE, { recipients: String(meta.to.length) });
      }
    },
  };
}
