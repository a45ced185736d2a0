import { parseEmailAddress, type EmailAddress } from '../email-address';
import { decodeRequestBody } from './decode';
import { ACCEPTABLE_RESPONSE_SCHEMAS, REQUEST_NAMESPACES, type ResponseSchema } from './vocabulary';
import { parseXmlDocument, type XmlElement } from './xml-document';

export interface PoxRequest {
  readonly address: EmailAddress;
  readonly schema: ResponseSchema;
}

export type PoxRequestResult =
  | { readonly ok: true; readonly request: PoxRequest }
  | { readonly ok: false; readonly errorCode: 600 | 601 };

const INVALID = { ok: false, errorCode: 600 } as const;
const NO_PROVIDER = { ok: false, errorCode: 601 } as const;

const withoutScheme = (uri: string): string | undefined => /^https?:\/\/(.*)$/.exec(uri)?.[1];

function inRequestNamespace(element: XmlElement): boolean {
  if (element.namespace === '') return true;
  const bare = withoutScheme(element.namespace);
  return bare !== undefined && (REQUEST_NAMESPACES as readonly string[]).includes(bare);
}

/** The one child called `name`, or undefined when there is none or more than one. */
function onlyChild(parent: XmlElement, name: string): XmlElement | undefined {
  const found = parent.children.filter((child) => child.localName === name);
  return found.length === 1 && inRequestNamespace(found[0]!) ? found[0] : undefined;
}

/** A leaf's trimmed text; undefined when it holds elements. */
const leafText = (element: XmlElement): string | undefined =>
  element.children.length === 0 ? element.text.trim() : undefined;

/**
 * Reads a POX request body (behaviour.md, rows 2 and 3). The address decides
 * everything downstream, so anything short of exactly one valid address and
 * one schema is an invalid request (600); a schema we do not serve is 601.
 */
export function parsePoxRequest(body: Uint8Array, contentType?: string): PoxRequestResult {
  const text = decodeRequestBody(body, contentType);
  const root = text === undefined ? undefined : parseXmlDocument(text);
  if (!root || root.localName !== 'Autodiscover' || !inRequestNamespace(root)) return INVALID;

  const request = onlyChild(root, 'Request');
  const addressElement = request && onlyChild(request, 'EMailAddress');
  const schemaElement = request && onlyChild(request, 'AcceptableResponseSchema');
  if (!addressElement || !schemaElement) return INVALID;

  const rawAddress = leafText(addressElement);
  const address = rawAddress === undefined ? undefined : parseEmailAddress(rawAddress);
  const schemaUri = leafText(schemaElement);
  if (!address || !schemaUri) return INVALID;

  const bareSchema = withoutScheme(schemaUri);
  const schema = bareSchema === undefined ? undefined : ACCEPTABLE_RESPONSE_SCHEMAS.get(bareSchema);
  if (schema === undefined) return NO_PROVIDER;
  return { ok: true, request: { address, schema } };
}
