import { expect } from 'vitest';
import { childrenNamed, elements, only, parseXmlAnswer, type DomElement } from './xml-answer';

// Reads a Mozilla autoconfig answer with the same independent parsers as the
// Autodiscover answers (xml-answer.ts), checking the shape every one has:
// root `clientConfig version="1.1"` in no namespace, exactly one
// `emailProvider` with an `id`, leaf elements inside each server block.

/** One `incomingServer` / `outgoingServer` / `addressBook` / `calendar` block. */
export interface ConfigBlock {
  readonly element: string;
  readonly type: string;
  /** Child element → text. */
  readonly values: Readonly<Record<string, string>>;
  /** Child element names in document order. */
  readonly order: readonly string[];
}

export interface ClientConfigDocument {
  readonly root: DomElement;
  readonly providerId: string;
  readonly domains: readonly string[];
  readonly displayName: string;
  readonly displayShortName: string;
  /** `emailProvider`'s children, in order. */
  readonly providerChildren: readonly string[];
  /** Incoming and outgoing servers, in document order. */
  readonly servers: readonly ConfigBlock[];
  /** `addressBook` / `calendar` blocks under `clientConfig`. */
  readonly services: readonly ConfigBlock[];
}

function readBlock(element: DomElement): ConfigBlock {
  const children = elements(element);
  for (const child of children) expect(elements(child), `<${child.localName}> is a leaf`).toHaveLength(0);
  const order = children.map((child) => child.localName);
  expect(new Set(order).size, `no element repeated in <${element.localName}>`).toBe(order.length);
  return {
    element: element.localName,
    type: element.getAttribute('type') ?? '',
    values: Object.fromEntries(children.map((child) => [child.localName, child.textContent ?? ''])),
    order,
  };
}

export function readClientConfig(body: string): ClientConfigDocument {
  const root = parseXmlAnswer(body);
  expect(root.localName).toBe('clientConfig');
  expect(root.namespaceURI).toBeNull();
  expect(root.getAttribute('version')).toBe('1.1');
  expect(body).not.toContain('useGlobalPreferredServer');
  const provider = only(root, 'emailProvider');
  const providerChildren = elements(provider).map((child) => child.localName);
  const text = (name: string) => only(provider, name).textContent ?? '';
  return {
    root,
    providerId: provider.getAttribute('id') ?? '',
    domains: childrenNamed(provider, 'domain').map((domain) => domain.textContent ?? ''),
    displayName: text('displayName'),
    displayShortName: text('displayShortName'),
    providerChildren,
    servers: elements(provider).filter((child) => child.localName.endsWith('Server')).map(readBlock),
    services: elements(root).filter((child) => child.localName !== 'emailProvider').map(readBlock),
  };
}
