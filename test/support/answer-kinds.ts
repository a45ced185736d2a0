import * as plist from 'plist';
import { expect } from 'vitest';
import { JSON_ERRORS, type JsonErrorCode } from '../../lib/autodiscover-json/vocabulary';
import { readClientConfig } from './autoconfig-answer';
import type { TestResult } from './lambda-events';
import { NS, at, only, parseAnswer, readError, textAt } from './xml-answer';

// What the README's tables ("How requests are answered") allow each route to answer, as data: one row per route
// with its paths and, per method, the set of answer kinds (status + body kind).
// Property, adversarial and audit tests check every answer against this table.
// New client formats add a row (and their body kinds to `answerKind`).

/** `<status> <body kind>`, e.g. `200 settings`, `200 error 600`, `404 empty`. */
export type AnswerKind = string;

export interface RouteRow {
  readonly name: string;
  /** Lower-case paths; matching is case-insensitive and ignores the query; `/*` takes every path below. */
  readonly paths: readonly string[];
  /** Allowed answers by upper-case method; `other` covers every method not listed. */
  readonly answers: Readonly<Record<string, ReadonlySet<AnswerKind>>> & { readonly other: ReadonlySet<AnswerKind> };
}

const kinds = (...list: AnswerKind[]): ReadonlySet<AnswerKind> => new Set(list);

/** Rows 2 to 11 of the POX table, and row 1 (413) for POST. */
const POX_POST = kinds(
  '413 error 600',
  '200 error 600',
  '200 error 601',
  '503 error 603',
  '404 error 500',
  '200 error 602',
  '200 mobilesync',
  '200 redirectAddr',
  '200 redirectUrl',
  '200 error 501',
  '200 settings',
);
const POX_GET = kinds('404 empty', '503 error 603', '200 error 602', '200 redirectUrl', '200 error 501', '200 settings');

/** The README's autoconfig table. */
const AUTOCONFIG_GET = kinds('200 clientConfig', '400 empty', '404 empty', '500 empty', '503 empty');
/** The README's Autodiscover v2 JSON table. */
const JSON_GET = kinds(
  '200 json AutodiscoverV1',
  '200 json ActiveSync',
  ...(Object.keys(JSON_ERRORS) as JsonErrorCode[]).map((code) => `400 json ${code}`),
  '400 empty',
  '404 empty',
  '500 empty',
  '503 empty',
);
/** The README's Apple profile table. */
const PROFILE_GET = kinds('200 profile', '400 text', '404 empty', '500 empty', '503 empty');

/** A GET-only route: HEAD as GET without bodies, OPTIONS 204, everything else 405. */
function getOnly(name: string, paths: readonly string[], get: ReadonlySet<AnswerKind>): RouteRow {
  return {
    name,
    paths,
    answers: { GET: get, HEAD: kinds(...[...get].map((kind) => kind.replace(/ .*/, ' empty'))), OPTIONS: kinds('204 empty'), other: kinds('405 empty') },
  };
}

export const ROUTE_TABLE: readonly RouteRow[] = [
  {
    name: 'pox',
    paths: ['/autodiscover/autodiscover.xml'],
    answers: {
      POST: POX_POST,
      GET: POX_GET,
      HEAD: kinds(...[...POX_GET].map((kind) => kind.replace(/ .*/, ' empty'))),
      OPTIONS: kinds('204 empty'),
      other: kinds('405 empty'),
    },
  },
  getOnly('autoconfig', ['/mail/config-v1.1.xml', '/.well-known/autoconfig/mail/config-v1.1.xml', '/.well-known/mail-v1.xml'], AUTOCONFIG_GET),
  getOnly('autodiscover-json', ['/autodiscover/autodiscover.json', '/autodiscover/autodiscover.json/*'], JSON_GET),
  getOnly('apple', ['/apple/mobileconfig'], PROFILE_GET),
];

/** Any path no row names. */
export const UNKNOWN_PATH_ANSWERS = kinds('404 empty');

/** The row a path belongs to (query ignored, any capitalisation), or undefined. */
export function routeFor(path: string): RouteRow | undefined {
  const bare = path.split('?')[0]!.toLowerCase();
  const matches = (pattern: string) => (pattern.endsWith('/*') ? bare.startsWith(pattern.slice(0, -1)) : bare === pattern);
  return ROUTE_TABLE.find((row) => row.paths.some(matches));
}

export function allowedAnswers(method: string, path: string): ReadonlySet<AnswerKind> {
  const row = routeFor(path);
  if (!row) return UNKNOWN_PATH_ANSWERS;
  return row.answers[method.toUpperCase()] ?? row.answers.other;
}

/**
 * Reads an answer's kind, checking on the way what every answer of that kind
 * must satisfy: XML answers well-formed with the right namespaces (xml-answer.ts),
 * error documents with the standard message and empty DebugData.
 */
export function answerKind(result: TestResult): AnswerKind {
  expect(result.status, 'never a 401').not.toBe(401);
  expect(result.headers.has('www-authenticate'), 'never a challenge').toBe(false);
  if (result.body === '') return `${result.status} empty`;
  const contentType = result.headers.get('content-type');
  if (contentType === 'application/json; charset=utf-8') return jsonKind(result);
  if (contentType === 'application/x-apple-aspen-config') {
    const profile = plist.parse(result.body) as { PayloadType?: string; PayloadContent?: unknown[] };
    expect(profile.PayloadType).toBe('Configuration');
    expect(profile.PayloadContent?.length).toBeGreaterThan(0);
    return `${result.status} profile`;
  }
  if (contentType === 'text/plain; charset=utf-8') return `${result.status} text`;
  expect(contentType).toBe('text/xml; charset=utf-8');
  if (/^<\?xml[^>]*\?>\s*<clientConfig[ >]/.test(result.body)) {
    readClientConfig(result.body);
    return `${result.status} clientConfig`;
  }
  // Error documents are read (and checked) as such; everything else once as a document.
  if (/<Error[ >]/.test(result.body)) {
    const document = readError(result.body);
    expect(document.message, 'the standard message, never request data').toBe(ERROR_MESSAGES[document.code]);
    expect(document.debugData, 'DebugData stays empty').toBe('');
    return `${result.status} error ${document.code}`;
  }
  const response = only(parseAnswer(result.body), 'Response');
  if (response.namespaceURI === NS.mobileSync) return `${result.status} mobilesync`;
  expect(response.namespaceURI).toBe(NS.outlook);
  return `${result.status} ${textAt(at(response, 'Account'), 'Action')}`;
}

/** `200 json AutodiscoverV1`, `400 json InvalidProtocol`: checking the fixed message and the https URL. */
function jsonKind(result: TestResult): AnswerKind {
  const body = JSON.parse(result.body) as { ErrorCode?: JsonErrorCode; ErrorMessage?: string; Protocol?: string; Url?: string };
  if (body.ErrorCode !== undefined) {
    expect(body.ErrorMessage, 'the fixed message, never request data').toBe(JSON_ERRORS[body.ErrorCode]);
    return `${result.status} json ${body.ErrorCode}`;
  }
  expect(body.Url).toMatch(/^https:\/\/[a-z0-9.-]+\//);
  return `${result.status} json ${body.Protocol}`;
}

/** The one message each error code carries (README, "How requests are answered"). */
export const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  '500': 'The e-mail address cannot be found.',
  '501': 'Bad Address',
  '600': 'Invalid Request',
  '601': 'Provider is not available',
  '602': 'Bad Address',
  '603': 'Server Error',
};

// Where each format puts the requester's own address (or login names made of it).
const POX_ADDRESS_ELEMENTS = /<(AutoDiscoverSMTPAddress|EMailAddress|LoginName)>[^<]*<\/\1>/g;
const AUTOCONFIG_ADDRESS_ELEMENTS = /<username>[^<]*<\/username>/g;
const PROFILE_ADDRESS_VALUES = /<key>(EmailAddress|(Incoming|Outgoing)MailServerUsername|CalDAVUsername|CardDAVUsername)<\/key>\s*<string>[^<]*<\/string>/g;

/** An answer without the places where the format puts the requester's own address (the only request data it may repeat). */
export const withoutAddressElements = (body: string): string =>
  body.replace(POX_ADDRESS_ELEMENTS, '').replace(AUTOCONFIG_ADDRESS_ELEMENTS, '').replace(PROFILE_ADDRESS_VALUES, '');
