// The POX Autodiscover vocabulary as data: namespaces, schemas, error codes
// and the mappings from tenant settings to element values. Renderers and the
// parser read these tables; nothing else spells protocol strings.

import type { AuthMode, TlsMode } from '../tenants/model';

export const NS = {
  /** Outer response namespace (root `Autodiscover`, framework errors). */
  response: 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006',
  /** Inner Outlook namespace (`Response` of settings and address errors). */
  outlook: 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a',
  /** Inner MobileSync namespace. */
  mobileSync: 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006',
} as const;

/** Request namespaces we accept, without their scheme (`http://` or `https://`). */
export const REQUEST_NAMESPACES = [
  'schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006',
  'schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006',
] as const;

export type ResponseSchema = 'outlook' | 'mobileSync';

/** `AcceptableResponseSchema` values we serve, without their scheme. */
export const ACCEPTABLE_RESPONSE_SCHEMAS: ReadonlyMap<string, ResponseSchema> = new Map([
  ['schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a', 'outlook'],
  ['schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006', 'mobileSync'],
]);

export type PoxErrorCode = 500 | 501 | 600 | 601 | 602 | 603;

/**
 * Error codes, their messages and which namespace the error `Response` takes:
 * framework errors (the request or the service failed) stay in the outer
 * namespace, address errors (the request was understood) use 2006a.
 */
export const POX_ERRORS: Readonly<Record<PoxErrorCode, { message: string; responseNs: string }>> = {
  500: { message: 'The e-mail address cannot be found.', responseNs: NS.outlook },
  501: { message: 'Bad Address', responseNs: NS.outlook },
  600: { message: 'Invalid Request', responseNs: NS.response },
  601: { message: 'Provider is not available', responseNs: NS.response },
  602: { message: 'Bad Address', responseNs: NS.outlook },
  603: { message: 'Server Error', responseNs: NS.response },
};

/** tenant `tls` → `Encryption` + `SSL` (the truth table Outlook and Thunderbird both read correctly). */
export const TLS_ELEMENTS: Readonly<Record<TlsMode, { Encryption: string; SSL: OnOff }>> = {
  implicit: { Encryption: 'SSL', SSL: 'on' },
  starttls: { Encryption: 'TLS', SSL: 'on' },
  none: { Encryption: 'None', SSL: 'off' },
};

/** tenant `auth` → `SPA` + `AuthRequired`; SPA is always emitted because its absent default is `on`. */
export const AUTH_ELEMENTS: Readonly<Record<AuthMode, { SPA: OnOff; AuthRequired: OnOff }>> = {
  password: { SPA: 'off', AuthRequired: 'on' },
  spa: { SPA: 'on', AuthRequired: 'on' },
  none: { SPA: 'off', AuthRequired: 'off' },
};

export type OnOff = 'on' | 'off';
export const onOff = (flag: boolean): OnOff => (flag ? 'on' : 'off');
