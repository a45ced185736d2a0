import type { SettingsDocument } from './xml-answer';

// How two open-source clients turn a POX settings answer into an account,
// written from the behaviour documented in the project's protocol reference
// (pox-protocol.md §7.1 Thunderbird ExchangeAutoDiscover, §7.2 Delta Chat
// auto_outlook): element names matched literally, `Type` case-sensitive for
// Thunderbird, TLS inferred from SSL / Encryption and the port.

export interface ClientServer {
  readonly type: string;
  readonly host: string;
  readonly port: number;
  readonly socket: 'plain' | 'STARTTLS' | 'SSL/TLS' | 'automatic';
  readonly username?: string;
  readonly auth?: 'password-cleartext' | 'secure';
}

const STARTTLS_PORTS = new Set([143, 110, 25, 587]);
const THUNDERBIRD_TYPES: Readonly<Record<string, string>> = { IMAP: 'imap', POP3: 'pop3', SMTP: 'smtp' };

/** Thunderbird: first IMAP/POP3 is the incoming server, first SMTP the outgoing one. */
export function thunderbirdReads(doc: SettingsDocument, typedEmail: string): { incoming?: ClientServer; outgoing?: ClientServer } {
  const servers = doc.protocols
    .filter((p) => THUNDERBIRD_TYPES[p.Type ?? ''] !== undefined)
    .map((p): ClientServer => {
      const port = Number(p.Port);
      const plain = p.SSL?.toLowerCase() === 'off' || p.Encryption?.toLowerCase() === 'none';
      return {
        type: THUNDERBIRD_TYPES[p.Type!]!,
        host: p.Server!.toLowerCase(),
        port,
        socket: plain ? 'plain' : STARTTLS_PORTS.has(port) ? 'STARTTLS' : 'SSL/TLS',
        username: p.LoginName ?? typedEmail,
        auth: p.SPA?.toLowerCase() === 'on' ? 'secure' : 'password-cleartext',
      };
    });
  return { incoming: servers.find((s) => s.type !== 'smtp'), outgoing: servers.find((s) => s.type === 'smtp') };
}

/** Delta Chat: IMAP and SMTP only (case-insensitive), `SSL` compared exactly, user name always the address. */
export function deltaChatReads(doc: SettingsDocument): ClientServer[] {
  return doc.protocols
    .filter((p) => ['imap', 'smtp'].includes((p.Type ?? '').toLowerCase()) && p.Server && p.Port)
    .map((p) => ({
      type: p.Type!.toLowerCase(),
      host: p.Server!,
      port: Number(p.Port) || 0,
      socket: p.SSL === 'off' ? 'plain' : 'automatic',
    }));
}
