import { expect } from 'vitest';
import type { TestResult } from './lambda-events';
import { NS, at, only, parseAnswer, readError, textAt } from './xml-answer';

// What behaviour.md allows each route to answer, as data: one row per route
// with its paths and, per method, the set of answer kinds (status + body kind).
// Property, adversarial and audit tests check every answer against this table.
// New client formats add a row (and their body kinds to `answerKind`).

/** `<status> <body kind>`, e.g. `200 settings`, `200 error 600`, `404 empty`. */
export type AnswerKind = string;

export interface RouteRow {
  readonly name: string;
  /** Lower-case paths; matching is case-insensitive and ignores the query. */
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
];

/** Any path no row names. */
export const UNKNOWN_PATH_ANSWERS = kinds('404 empty');

/** The row a path belongs to (query ignored, any capitalisation), or undefined. */
export function routeFor(path: string): RouteRow | undefined {
  const bare = path.split('?')[0]!.toLowerCase();
  return ROUTE_TABLE.find((row) => row.paths.includes(bare));
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
  expect(result.headers.get('content-type')).toBe('text/xml; charset=utf-8');
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

/** The one message each error code carries (behaviour.md). */
export const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  '500': 'The e-mail address cannot be found.',
  '501': 'Bad Address',
  '600': 'Invalid Request',
  '601': 'Provider is not available',
  '602': 'Bad Address',
  '603': 'Server Error',
};

/** An answer without the elements where the format puts the requester's own address (the only request data it may repeat). */
export const withoutAddressElements = (body: string): string => body.replace(/<(AutoDiscoverSMTPAddress|EMailAddress|LoginName)>[^<]*<\/\1>/g, '');
