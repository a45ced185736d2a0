import { describe, expect, it } from 'vitest';
import { answerPox, type ErrorRenderer } from '../../lib/pox/answer';
import { decide } from '../../lib/resolution/decision';
import { compilePoxError, renderPoxError, renderPoxSettings } from '../../lib/pox/render';
import type { PoxErrorCode } from '../../lib/pox/vocabulary';
import type { HostedDomainItem, MailboxItem } from '../../lib/tenants/model';
import type { TenantLookup } from '../../lib/tenants/resolve';
import { address } from '../support/tenant-fixtures';
import { readError, readSettings } from '../support/xml-answer';

// The warm path writes each answer once per cached item and then only fills
// in the address (or, for errors, the time). These tests hold the compiled
// output to the directly rendered one and check it follows item changes.

const renderError: ErrorRenderer = (code) => renderPoxError(code, new Date(0), 1);
const hosted = (settings: HostedDomainItem, mailbox?: MailboxItem): TenantLookup => ({
  kind: 'hosted',
  tenant: { domain: settings.id, settings, ...(mailbox ? { mailbox } : {}) },
});
const outlook = (raw: string) => ({ address: address(raw), schema: 'outlook' as const });

describe('compiled error documents', () => {
  it('equal the directly rendered document for every code and time', () => {
    const times = [new Date(0), new Date('2026-11-27T23:59:59.999Z'), new Date('2026-01-02T03:04:05.060Z')];
    for (const code of [500, 501, 600, 601, 602, 603] as PoxErrorCode[]) {
      const compiled = compilePoxError(code, 0xfedcba98);
      for (const at of times) {
        const body = compiled(at);
        expect(body).toBe(renderPoxError(code, at, 0xfedcba98));
        expect(readError(body)).toMatchObject({ code: String(code), time: body.match(/Time="([^"]+)"/)![1], id: String(0xfedcba98) });
      }
    }
  });
});

describe('compiled settings answers', () => {
  const settings: HostedDomainItem = { id: 'example.com', protocols: [{ type: 'IMAP', server: 'imap.example.com', port: 993, tls: 'implicit', username: '%EMAILLOCALPART%' }] };

  it('give each address its own values, escaped, from one compiled answer', () => {
    const tenant = { domain: settings.id, settings };
    const lookup: TenantLookup = { kind: 'hosted', tenant };
    for (const raw of ['alice@example.com', 'B&b<x>@Example.COM', '"o\'hara"@example.com']) {
      const answer = answerPox(decide(lookup), outlook(raw), renderError);
      expect(answer.body).toBe(renderPoxSettings(tenant, address(raw)));
      const doc = readSettings(answer.body);
      expect(doc.protocols[0]!.LoginName).toBe(address(raw).localPart);
    }
  });

  it('follow a changed item: a re-read item is a new object and gets a new answer', () => {
    const first = answerPox(decide(hosted(settings)), outlook('alice@example.com'), renderError);
    const changed = { ...settings, protocols: [{ ...settings.protocols[0]!, server: 'imap2.example.com' }] };
    const second = answerPox(decide(hosted(changed)), outlook('alice@example.com'), renderError);
    expect(readSettings(first.body).protocols[0]!.Server).toBe('imap.example.com');
    expect(readSettings(second.body).protocols[0]!.Server).toBe('imap2.example.com');
  });

  it('keep mailbox answers apart from the domain answer, and GET answers apart from POST answers', () => {
    const mailbox: MailboxItem = { id: 'carol@example.com', displayName: 'Carol', username: 'carol.login' };
    const plain = readSettings(answerPox(decide(hosted(settings)), outlook('carol@example.com'), renderError).body);
    const carol = readSettings(answerPox(decide(hosted(settings, mailbox)), outlook('carol@example.com'), renderError).body);
    const domainOnly = readSettings(answerPox(decide(hosted(settings)), undefined, renderError).body);
    expect(plain.protocols[0]!.LoginName).toBe('carol');
    expect(carol.protocols[0]!.LoginName).toBe('carol.login');
    expect(domainOnly.user).toBeUndefined();
    expect(domainOnly.protocols[0]!.LoginName).toBeUndefined();
  });
});
