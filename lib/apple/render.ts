import type { EmailAddress } from '../email-address';
import type { HostedDecision, MailDecision, MailServer } from '../resolution/decision';
import { compileTemplate, fillTemplate, loginNameWithSlots, slot, valueSlot, type AnswerTemplate } from '../resolution/template';
import { newXmlDocument, writeXml, type XMLBuilder } from '../xml/builder';
import { escapeXmlText, xmlText } from '../xml/text';
import { payloadIdentifier, profileIdentifier, nameBasedUuid } from './identifiers';
import { DAV_PAYLOADS, HTTPS_PORT, EMAIL_ACCOUNT_TYPES, EMAIL_AUTH, EMAIL_USE_SSL, PAYLOAD_TYPES, PAYLOAD_VERSION, PLIST_DOCTYPE } from './vocabulary';

// The profile is an XML property list written once per tenant by xmlbuilder2,
// with holes for the address parts and for the identifiers derived from the
// address (valueSlot 0: the profile identifier, 1: its UUID, 2…: each
// payload's UUID). A request computes those few values and splices them in.

/** Property list values; strings are writer text (tenant text through `xmlText`, or slot markers). */
type PlistValue = string | number | boolean | readonly PlistValue[] | PlistDict;
interface PlistDict {
  readonly [key: string]: PlistValue | undefined;
}

function appendValue(parent: XMLBuilder, value: PlistValue): void {
  if (typeof value === 'string') parent.ele('string').txt(value);
  else if (typeof value === 'number') parent.ele('integer').txt(String(value));
  else if (typeof value === 'boolean') parent.ele(value ? 'true' : 'false');
  else if (Array.isArray(value)) {
    const array = parent.ele('array');
    for (const item of value as readonly PlistValue[]) appendValue(array, item);
  } else {
    const dict = parent.ele('dict');
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      dict.ele('key').txt(key);
      appendValue(dict, item);
    }
  }
}

const PROFILE_ID = valueSlot(0);
const PROFILE_UUID = valueSlot(1);
const payloadUuid = (index: number): string => valueSlot(2 + index);

export interface CompiledProfile {
  readonly template: AnswerTemplate;
  /** Each payload's identifier suffix, in order; its UUID is named by the profile identifier plus the suffix. */
  readonly payloadSuffixes: readonly string[];
}

/** A payload's own keys, before the keys every payload shares. */
interface PayloadDraft {
  readonly type: string;
  readonly suffix: string;
  readonly displayName: string;
  readonly keys: PlistDict;
}

/** `…MailServer…` keys for one server; `direction` is `Incoming` or `Outgoing`. */
function serverKeys(direction: 'Incoming' | 'Outgoing', server: MailServer): PlistDict {
  const key = `${direction}MailServer`;
  return {
    [`${key}HostName`]: xmlText(server.server),
    [`${key}PortNumber`]: server.port,
    [`${key}UseSSL`]: EMAIL_USE_SSL[server.tls],
    [`${key}Authentication`]: EMAIL_AUTH[server.auth],
    [`${key}Username`]: loginNameWithSlots(server.username, xmlText),
  };
}

/**
 * One mail payload per incoming server (IMAP first, then POP3, each in the
 * tenant's order), each sending through the first SMTP server. Apple
 * requires an outgoing server, so without SMTP there is no mail payload.
 */
function mailPayloads(decision: HostedDecision, incoming: readonly MailServer[], outgoing: MailServer | undefined): PayloadDraft[] {
  if (outgoing === undefined) return [];
  const name = decision.provider.name;
  return incoming.map((server, i) => {
    // Two accounts of one provider need names that tell them apart.
    const description = incoming.length === 1 ? name : `${name} (${server.type} ${server.server})`;
    return {
      type: PAYLOAD_TYPES.mail,
      suffix: `mail.${i + 1}`,
      displayName: description,
      keys: {
        EmailAccountType: EMAIL_ACCOUNT_TYPES.get(server.type)!,
        EmailAccountDescription: xmlText(description),
        EmailAccountName: decision.displayName === undefined ? undefined : xmlText(decision.displayName),
        EmailAddress: slot('address'),
        ...serverKeys('Incoming', server),
        ...serverKeys('Outgoing', outgoing),
        OutgoingPasswordSameAsIncomingPassword: true,
      },
    };
  });
}

/** A CalDAV or CardDAV account for `url`, logging in with the decision's service login name. */
function davPayload(kind: keyof typeof DAV_PAYLOADS, decision: HostedDecision, url: string): PayloadDraft {
  const { type, prefix, label } = DAV_PAYLOADS[kind];
  // The tenant contract only admits https:// URLs with a host: SSL is always on.
  const parsed = new URL(url);
  const description = `${decision.provider.name} ${label}`;
  return {
    type,
    suffix: kind.toLowerCase(),
    displayName: description,
    keys: {
      [`${prefix}AccountDescription`]: xmlText(description),
      [`${prefix}HostName`]: xmlText(parsed.hostname),
      [`${prefix}Port`]: parsed.port === '' ? HTTPS_PORT : Number(parsed.port),
      [`${prefix}PrincipalURL`]: xmlText(url),
      [`${prefix}UseSSL`]: true,
      [`${prefix}Username`]: loginNameWithSlots(decision.serviceUsername, xmlText),
    },
  };
}

/** Incoming servers in payload order: by account type (IMAP, POP3), then the tenant's order. */
function incomingServers(servers: readonly MailServer[]): MailServer[] {
  const order = [...EMAIL_ACCOUNT_TYPES.keys()];
  return order.flatMap((type) => servers.filter((server) => server.type === type));
}

/**
 * The profile for a hosted decision with mail servers (or none, for a
 * domain whose protocol list is empty), with holes for the address and its
 * identifiers; undefined when it would configure nothing.
 */
export function compileAppleProfile(decision: HostedDecision, servers: readonly MailServer[]): CompiledProfile | undefined {
  const incoming = incomingServers(servers);
  const outgoing = servers.find((server) => server.direction === 'outgoing');
  const drafts = [
    ...mailPayloads(decision, incoming, outgoing),
    ...(decision.calDavUrl === undefined ? [] : [davPayload('calDav', decision, decision.calDavUrl)]),
    ...(decision.cardDavUrl === undefined ? [] : [davPayload('cardDav', decision, decision.cardDavUrl)]),
  ];
  if (drafts.length === 0) return undefined;

  const name = xmlText(decision.provider.name);
  const payloads = drafts.map(
    (draft, i): PlistDict => ({
      PayloadType: draft.type,
      PayloadVersion: PAYLOAD_VERSION,
      PayloadIdentifier: payloadIdentifier(PROFILE_ID, draft.suffix),
      PayloadUUID: payloadUuid(i),
      PayloadDisplayName: xmlText(draft.displayName),
      ...draft.keys,
    }),
  );
  const profile: PlistDict = {
    PayloadType: PAYLOAD_TYPES.profile,
    PayloadVersion: PAYLOAD_VERSION,
    PayloadIdentifier: PROFILE_ID,
    PayloadUUID: PROFILE_UUID,
    PayloadDisplayName: name,
    PayloadOrganization: name,
    PayloadRemovalDisallowed: false,
    PayloadContent: payloads,
  };
  const doc = newXmlDocument();
  const plist = doc.dtd(PLIST_DOCTYPE).ele('plist', { version: '1.0' });
  appendValue(plist, profile);
  return { template: compileTemplate(writeXml(doc), escapeXmlText), payloadSuffixes: drafts.map((draft) => draft.suffix) };
}

/** The per-request values of a compiled profile: its identifier, its UUID and each payload's UUID. */
export function identifierValues(profile: CompiledProfile, address: EmailAddress): string[] {
  const id = profileIdentifier(address);
  return [id, nameBasedUuid(id), ...profile.payloadSuffixes.map((suffix) => nameBasedUuid(payloadIdentifier(id, suffix)))];
}

/** Fills a compiled profile for one address. */
export const fillAppleProfile = (profile: CompiledProfile, address: EmailAddress): string =>
  fillTemplate(profile.template, address, identifierValues(profile, address));

/** The servers a profile configures; undefined for a redirect (the account lives elsewhere: no profile). */
export function profileServers(mail: MailDecision): readonly MailServer[] | undefined {
  switch (mail.kind) {
    case 'redirectAddr':
    case 'redirectUrl':
      return undefined;
    case 'noServers':
      return [];
    case 'servers':
      return mail.servers;
  }
}

/**
 * Compile and fill in one step (for tests and the cross-format checks): the
 * profile for an address, or undefined when the decision has no profile
 * (a redirect, or nothing to configure).
 */
export function renderAppleProfile(decision: HostedDecision, address: EmailAddress): string | undefined {
  const servers = profileServers(decision.mail);
  const profile = servers && compileAppleProfile(decision, servers);
  return profile && fillAppleProfile(profile, address);
}
