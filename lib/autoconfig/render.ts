import type { EmailAddress } from '../email-address';
import type { HostedDecision, MailServer } from '../resolution/decision';
import { compileTemplate, fillTemplate, loginNameWithSlots, type AnswerTemplate } from '../resolution/template';
import { newXmlDocument, writeXml, type XMLBuilder } from '../xml/builder';
import { escapeXmlText, xmlText } from '../xml/text';
import {
  AUTHENTICATION,
  CLIENT_CONFIG_VERSION,
  DAV_AUTHENTICATION,
  DAV_SERVICES,
  SERVER_ELEMENTS,
  SERVER_TYPES,
  SOCKET_TYPES,
} from './vocabulary';

// One clientConfig document per tenant, written by xmlbuilder2 with holes for
// the address parts of each `<username>`; a request fills them (escaped). The
// domain-level answer (no address) keeps the placeholders, which clients
// replace themselves.

type Rows = ReadonlyArray<readonly [element: string, value: string]>;

function appendRows(parent: XMLBuilder, rows: Rows): void {
  for (const [name, value] of rows) parent.ele(name).txt(value);
}

/**
 * The servers an answer lists, in the tenant's order: a `plain` server is
 * left out whenever a TLS server of the same direction exists (Thunderbird
 * for Android rejects a whole file that contains one).
 */
export function listedServers(servers: readonly MailServer[]): MailServer[] {
  const withTls = new Set(servers.filter((server) => server.tls !== 'none').map((server) => server.direction));
  return servers.filter((server) => server.tls !== 'none' || !withTls.has(server.direction));
}

/** A login-name template as element text: holes for the address parts, or the placeholders kept. */
const loginText = (template: string, forAddress: boolean): string => (forAddress ? loginNameWithSlots(template, xmlText) : xmlText(template));

/**
 * The clientConfig answer for `servers` (already filtered by `listedServers`).
 * CalDAV and CardDAV servers use the account's login name: the first
 * incoming server's (a mailbox override included), else the contract's default.
 */
export function compileClientConfig(decision: HostedDecision, servers: readonly MailServer[], forAddress: boolean): AnswerTemplate {
  const doc = newXmlDocument();
  const clientConfig = doc.ele('clientConfig', { version: CLIENT_CONFIG_VERSION });
  const provider = clientConfig.ele('emailProvider', { id: decision.domain });
  appendRows(provider, [
    ['domain', decision.domain],
    ['displayName', xmlText(decision.provider.name)],
    ['displayShortName', xmlText(decision.provider.shortName)],
  ]);
  for (const server of servers) {
    const element = provider.ele(SERVER_ELEMENTS[server.direction], { type: SERVER_TYPES[server.type] });
    appendRows(element, [
      ['hostname', xmlText(server.server)],
      ['port', String(server.port)],
      ['socketType', SOCKET_TYPES[server.tls]],
      ['username', loginText(server.username, forAddress)],
      ['authentication', AUTHENTICATION[server.auth]],
    ]);
  }
  for (const service of DAV_SERVICES) {
    const url = decision[service.url];
    if (url === undefined) continue;
    appendRows(clientConfig.ele(service.element, { type: service.type }), [
      ['username', loginText(decision.serviceUsername, forAddress)],
      ['authentication', DAV_AUTHENTICATION],
      ['serverURL', xmlText(url)],
    ]);
  }
  return compileTemplate(writeXml(doc), escapeXmlText);
}

/**
 * Compile and fill in one step (tests, the cross-format comparison): the
 * answer for a hosted decision's servers, whatever else the decision says.
 */
export function renderAutoconfig(decision: HostedDecision, address?: EmailAddress): string {
  const servers = decision.mail.kind === 'servers' ? listedServers(decision.mail.servers) : [];
  return fillTemplate(compileClientConfig(decision, servers, address !== undefined), address);
}
