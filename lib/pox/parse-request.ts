import { parseEmailAddress, trimXmlSpace, type EmailAddress } from '../email-address';
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

// Namespace and schema URIs are compared whole: the vocabulary's scheme-less
// names under http:// and https://, looked up in one step per request.
const withSchemes = (bare: string): string[] => [`http://${bare}`, `https://${bare}`];
const REQUEST_NAMESPACE_URIS: ReadonlySet<string> = new Set(['', ...REQUEST_NAMESPACES.flatMap(withSchemes)]);
const RESPONSE_SCHEMA_URIS: ReadonlyMap<string, ResponseSchema> = new Map(
  [...ACCEPTABLE_RESPONSE_SCHEMAS].flatMap(([bare, schema]) => withSchemes(bare).map((uri) => [uri, schema] as const)),
);

/** No namespace, or one of the request namespaces under http:// or https://. */
const inRequestNamespace = (element: XmlElement): boolean => REQUEST_NAMESPACE_URIS.has(element.namespace);

/** The one child called `name`, or undefined when there is none or more than one. */
function onlyChild(parent: XmlElement, name: string): XmlElement | undefined {
  let found: XmlElement | undefined;
  for (const child of parent.children) {
    if (child.localName !== name) continue;
    if (found !== undefined) return undefined;
    found = child;
  }
  return found !== undefined && inRequestNamespace(found) ? found : undefined;
}

/** A leaf's trimmed text; undefined when it holds elements. */
const leafText = (element: XmlElement): string | undefined =>
  element.children.length === 0 ? trimXmlSpace(element.text) : undefined;

/**
 * Reads a POX request body (the README's POX table: errors 600 and 601). The address decides
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

  const schema = RESPONSE_SCHEMA_URIS.get(schemaUri);
  if (schema === undefined) return NO_PROVIDER;
  return { ok: true, request: { address, schema } };
}
