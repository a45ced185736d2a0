import { childrenNamed, elements, type DomElement, type SettingsDocument } from './xml-answer';

// How open-source clients turn a POX settings answer into an account,
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

// ---------------------------------------------------------------------------
// Mozilla autoconfig, as two clients read it.

/** The DOM nodes the readers walk (xmlbuilder2's DOM, as parseXmlAnswer returns it). */
interface DomNode {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly nodeValue: string | null;
  readonly childNodes: ArrayLike<DomNode>;
  readonly attributes?: ArrayLike<{ readonly name: string; readonly value: string }>;
}

type Jxon = string | number | boolean | { [key: string]: Jxon | Jxon[] };

/**
 * Thunderbird's JXON.build at its default verbosity (comm-central
 * mailnews/base/src/JXON.sys.mjs): text and CDATA are joined untrimmed;
 * "true"/"false" become booleans and anything `isFinite` a number; an empty
 * element is `true`; child elements appear as `name` (the first) and
 * `$name` (all); attributes as `@name`; text beside children as `value`.
 */
function jxon(node: DomNode): Jxon {
  const parseText = (text: string): Jxon =>
    /^(?:true|false)$/i.test(text) ? text.toLowerCase() === 'true' : isFinite(text as unknown as number) ? parseFloat(text) : text;
  const children = Array.from(node.childNodes);
  const attributes = Array.from(node.attributes ?? []);
  let text = '';
  const childElements: DomNode[] = [];
  for (const child of children) {
    if (child.nodeType === 3 || child.nodeType === 4) text += child.nodeValue ?? '';
    else if (child.nodeType === 1) childElements.push(child);
  }
  if (children.length === 0 && attributes.length === 0) return true;
  const result: Record<string, Jxon | Jxon[]> = {};
  let length = 0;
  for (const child of childElements) {
    const name = child.nodeName === 'value' || child.nodeName === 'attr' ? `${child.nodeName}_` : child.nodeName;
    const content = jxon(child);
    if (!Object.hasOwn(result, name)) {
      result[name] = content;
      result[`$${name}`] = [];
    }
    (result[`$${name}`] as Jxon[]).push(content);
    length++;
  }
  for (const attribute of attributes) {
    result[`@${attribute.name}`] = parseText(attribute.value);
    length++;
  }
  if (length > 0 && text) result.value = parseText(text);
  else if (length === 0 && text) return parseText(text);
  return result;
}

class ThunderbirdRejects extends Error {}

// Sanitizer.sys.mjs and hostnameUtils.sys.mjs (comm-central mailnews/base/src).
const sanitize = {
  string: (value: unknown): string => String(value),
  nonEmpty(value: unknown): string {
    if (!value) throw new ThunderbirdRejects('string_empty');
    return String(value);
  },
  hostname(value: unknown): string {
    const text = sanitize.nonEmpty(value).trim();
    if (/^[a-zA-Z0-9\-.]*(%[A-Z0-9]+%[a-zA-Z0-9\-.]*)+$/.test(text)) return text;
    const hostPattern = /^(([a-z0-9]|[a-z0-9][a-z0-9-]{0,61}[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]{0,61}[a-z0-9])\.?$/i;
    const ipv4 = /^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$/.test(text) && text.split('.').every((part) => Number(part) < 256) && !text.startsWith('0');
    if (!ipv4 && !(text.length <= 255 && hostPattern.test(text))) throw new ThunderbirdRejects(`hostname_syntax: ${text}`);
    return text.toLowerCase();
  },
  integerRange(value: unknown, min: number, max: number): number {
    const number = typeof value === 'number' ? Math.trunc(value) : parseInt(String(value));
    if (Number.isNaN(number) || number < min || number > max) throw new ThunderbirdRejects(`bad number: ${String(value)}`);
    return number;
  },
  translate<T>(value: unknown, mapping: Readonly<Record<string, T>>): T {
    for (const key in mapping) if (key == value) return mapping[key]!; // loose ==, as Sanitizer.translate compares
    throw new ThunderbirdRejects(`allowed_value: ${String(value)}`);
  },
};

export interface AutoconfigServerReading {
  readonly type: string;
  readonly host: string;
  readonly port: number;
  readonly socket: 'plain' | 'STARTTLS' | 'SSL/TLS';
  readonly auth: string;
  readonly username?: string;
}

export interface ThunderbirdAutoconfigAccount {
  readonly id: string;
  readonly displayName: string;
  readonly domains: readonly string[];
  readonly incoming: AutoconfigServerReading;
  readonly incomingAlternatives: readonly AutoconfigServerReading[];
  readonly outgoing: AutoconfigServerReading;
  readonly outgoingAlternatives: readonly AutoconfigServerReading[];
}

const TB_SOCKET_TYPES = { plain: 'plain', SSL: 'SSL/TLS', STARTTLS: 'STARTTLS' } as const;
const TB_INCOMING_AUTH = {
  'password-cleartext': 'password-cleartext', plain: 'password-cleartext', 'password-encrypted': 'password-encrypted', secure: 'password-encrypted',
  GSSAPI: 'GSSAPI', NTLM: 'NTLM', OAuth2: 'OAuth2',
} as const;
const TB_OUTGOING_AUTH = { none: 'none', 'client-IP-address': 'none', 'smtp-after-pop': 'none', ...TB_INCOMING_AUTH } as const;

const asList = (value: Jxon | Jxon[] | undefined): Jxon[] => (value === undefined ? [] : (value as Jxon[]));

/** The first listed value the mapping knows (OAuth2 only for hosts Thunderbird has OAuth2 settings for: none of ours). */
function readAuthentication(values: Jxon[], mapping: Readonly<Record<string, string>>): string {
  for (const value of values) {
    try {
      const auth = sanitize.translate(value, mapping);
      if (auth === 'OAuth2') throw new ThunderbirdRejects('lacking OAuth2 config');
      return auth;
    } catch {
      // try the next one
    }
  }
  throw new ThunderbirdRejects('need proper <authentication> in XML');
}

function readSocketType(values: Jxon[]): AutoconfigServerReading['socket'] {
  for (const value of values) {
    try {
      return sanitize.translate(value, TB_SOCKET_TYPES);
    } catch {
      // take the first that is supported
    }
  }
  throw new ThunderbirdRejects('need proper <socketType> in XML');
}

/**
 * AccountConfig's replaceVariables: the first occurrence of each placeholder
 * (String#replace with a string), the domain through Sanitizer.hostname.
 */
function replaceThunderbirdVariables(text: string | undefined, typedEmail: string): string | undefined {
  if (text === undefined) return undefined;
  const [local, domain] = typedEmail.split('@') as [string, string];
  return text.replace('%EMAILADDRESS%', typedEmail).replace('%EMAILLOCALPART%', local).replace('%EMAILDOMAIN%', sanitize.hostname(domain));
}

/**
 * Thunderbird desktop reading an autoconfig answer, after comm-central
 * mail/components/accountcreation/modules/readFromXML.sys.mjs (and the JXON
 * conversion FetchHTTP.sys.mjs applies to any `text/xml` answer): it needs
 * `emailProvider` with a host-name `id`, one valid `<domain>`, one incoming
 * server (imap/pop3) and one outgoing smtp server it can read; a server
 * with a bad host, port, socketType or authentication is skipped; incoming
 * `none` authentication is not a value it knows. Throws where Thunderbird
 * rejects the file. Placeholders in user names are then replaced
 * (AccountConfig.sys.mjs replaceVariables).
 */
export function thunderbirdReadsAutoconfig(root: DomElement, typedEmail: string): ThunderbirdAutoconfigAccount {
  const clientConfig = { [root.localName]: jxon(root as unknown as DomNode) } as Record<string, Record<string, Jxon | Jxon[]>>;
  if (!('clientConfig' in clientConfig) || typeof clientConfig.clientConfig !== 'object' || !('emailProvider' in clientConfig.clientConfig)) {
    throw new ThunderbirdRejects('no_emailProvider');
  }
  const xml = clientConfig.clientConfig.emailProvider as Record<string, Jxon | Jxon[]>;
  const id = sanitize.hostname(xml['@id']);
  const displayName = sanitize.string(xml.displayName);
  const domains: string[] = [];
  for (const domain of xml.$domain as Jxon[]) {
    try {
      domains.push(sanitize.hostname(domain));
    } catch {
      // the others may still do
    }
  }
  if (domains.length === 0) throw new ThunderbirdRejects('need proper <domain> in XML');

  const incoming: AutoconfigServerReading[] = [];
  for (const iX of asList(xml.$incomingServer) as Array<Record<string, Jxon | Jxon[]>>) {
    try {
      const type = sanitize.translate(iX['@type'], { pop3: 'pop3', imap: 'imap', nntp: 'nntp', exchange: 'exchange' });
      const host = sanitize.hostname(iX.hostname);
      const port = sanitize.integerRange(iX.port, 1, 65535);
      const username = sanitize.string(iX.username);
      const socket = readSocketType(asList(iX.$socketType));
      const auth = readAuthentication(asList(iX.$authentication), TB_INCOMING_AUTH);
      incoming.push({ type, host, port, socket, auth, username });
    } catch (error) {
      if (!(error instanceof ThunderbirdRejects)) throw error;
    }
  }
  if (incoming.length === 0) throw new ThunderbirdRejects('Need proper <incomingServer> in XML file');

  const outgoing: AutoconfigServerReading[] = [];
  for (const oX of asList(xml.$outgoingServer) as Array<Record<string, Jxon | Jxon[]>>) {
    try {
      if (oX['@type'] !== 'smtp') throw new ThunderbirdRejects('outgoing_not_smtp');
      const host = sanitize.hostname(oX.hostname);
      const port = sanitize.integerRange(oX.port, 1, 65535);
      const socket = readSocketType(asList(oX.$socketType));
      const auth = readAuthentication(asList(oX.$authentication), TB_OUTGOING_AUTH);
      const needsUsername = 'username' in oX || auth === 'password-cleartext' || auth === 'password-encrypted';
      outgoing.push({ type: 'smtp', host, port, socket, auth, ...(needsUsername ? { username: sanitize.string(oX.username) } : {}) });
    } catch (error) {
      if (!(error instanceof ThunderbirdRejects)) throw error;
    }
  }
  if (outgoing.length === 0) throw new ThunderbirdRejects('Need proper <outgoingServer> in XML file');

  const withAccount = (server: AutoconfigServerReading): AutoconfigServerReading =>
    server.username === undefined ? server : { ...server, username: replaceThunderbirdVariables(server.username, typedEmail)! };
  return {
    id,
    displayName,
    domains,
    incoming: withAccount(incoming[0]!),
    incomingAlternatives: incoming.slice(1),
    outgoing: withAccount(outgoing[0]!),
    outgoingAlternatives: outgoing.slice(1),
  };
}

export interface AndroidAutoconfigReading {
  readonly incoming: readonly AutoconfigServerReading[];
  readonly outgoing: readonly AutoconfigServerReading[];
}

const ANDROID_SOCKET_TYPES: Readonly<Record<string, AutoconfigServerReading['socket']>> = { SSL: 'SSL/TLS', STARTTLS: 'STARTTLS' };
const ANDROID_AUTH = new Set(['OAuth2', 'password-cleartext', 'password-encrypted']);

/**
 * Thunderbird for Android (K-9) reading an autoconfig answer, after
 * thunderbird/thunderbird-android feature/autodiscovery/autoconfig/.../RealAutoconfigParser.kt:
 * only `imap` incoming and `smtp` outgoing servers count (others are
 * skipped); in those, a `socketType` other than SSL or STARTTLS, a missing
 * `username`, `hostname`, `port` or `socketType`, or no authentication it
 * knows (OAuth2, password-cleartext, password-encrypted) rejects the whole
 * file, as does the lack of a valid `<domain>`, an IMAP or an SMTP server.
 * Placeholders are replaced everywhere (Kotlin's String.replace).
 */
export function thunderbirdAndroidReadsAutoconfig(root: DomElement, typedEmail: string): AndroidAutoconfigReading {
  const reject = (message: string): never => {
    throw new ThunderbirdRejects(message);
  };
  const [local, domain] = typedEmail.split('@') as [string, string];
  const replace = (text: string) => text.split('%EMAILDOMAIN%').join(domain.toLowerCase()).split('%EMAILLOCALPART%').join(local).split('%EMAILADDRESS%').join(typedEmail);
  const legalHost = (text: string) => /^(([a-z0-9]|[a-z0-9][a-z0-9-]{0,61}[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]{0,61}[a-z0-9])\.?$/i.test(text.trim());
  const readText = (element: DomElement): string => (elements(element).length > 0 ? reject(`expected text in <${element.localName}>`) : (element.textContent ?? ''));

  if (root.localName !== 'clientConfig') reject("Missing 'clientConfig' element");
  const providers = childrenNamed(root, 'emailProvider');
  if (providers.length === 0) reject("Missing 'emailProvider' element");
  const provider = providers[providers.length - 1]!;
  const id = provider.getAttribute('id');
  if (id === null || !legalHost(id)) reject("Missing or invalid 'emailProvider.id' attribute");
  let domainFound = false;
  const incoming: AutoconfigServerReading[] = [];
  const outgoing: AutoconfigServerReading[] = [];
  for (const child of elements(provider)) {
    if (child.localName === 'domain') domainFound ||= legalHost(replace(readText(child)));
    const wanted = child.localName === 'incomingServer' ? 'imap' : child.localName === 'outgoingServer' ? 'smtp' : undefined;
    if (wanted === undefined || child.getAttribute('type') !== wanted) continue;
    const fields: Record<string, string> = {};
    const auths: string[] = [];
    let socket: AutoconfigServerReading['socket'] | undefined;
    for (const field of elements(child)) {
      const text = readText(field);
      if (field.localName === 'authentication') {
        if (ANDROID_AUTH.has(text)) auths.push(text);
      } else if (field.localName === 'socketType') socket = ANDROID_SOCKET_TYPES[text] ?? reject(`Unknown 'socketType' value: '${text}'`);
      else fields[field.localName] = text;
    }
    const host = fields.hostname === undefined ? reject("Missing 'hostname' element") : replace(fields.hostname);
    if (!legalHost(host)) reject(`Invalid 'hostname' value`);
    const port = /^[+-]?\d+$/.test(fields.port ?? '') && Number(fields.port) <= 65535 && Number(fields.port) >= 0 ? Number(fields.port) : reject("Invalid 'port' value");
    const username = fields.username === undefined ? reject("Missing 'username' element") : replace(fields.username);
    if (auths.length === 0) reject("No usable 'authentication' element found");
    const reading = { type: wanted, host, port, socket: socket ?? reject("Missing 'socketType' element"), auth: auths[0]!, username };
    (wanted === 'imap' ? incoming : outgoing).push(reading);
  }
  if (!domainFound) reject("Valid 'domain' element required");
  if (incoming.length === 0) reject("No supported 'incomingServer' element found");
  if (outgoing.length === 0) reject("No supported 'outgoingServer' element found");
  return { incoming, outgoing };
}
