import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces';
import { xmlbuilder2 } from './xmlbuilder2-on-first-use.cjs';

// The one place answers get xmlbuilder2 from, so how it is loaded (and what
// that costs a cold start) is decided here for every XML format: on the first
// document written, not at import (see xmlbuilder2-on-first-use.cjs).

export type { XMLBuilder };

const WRITER_OPTIONS = { prettyPrint: true, indent: '  ' } as const;

/** A new document that starts with `<?xml version="1.0" encoding="utf-8"?>`. */
export const newXmlDocument = (): XMLBuilder => xmlbuilder2().create({ version: '1.0', encoding: 'utf-8' });

let loadScheduled = false;

/**
 * Loads xmlbuilder2 on the next turn of the event loop, once per instance:
 * for a caller that has just started waiting on I/O (the first DynamoDB
 * read), so that the ~15 ms load runs during the wait instead of after it.
 */
export function loadXmlWriterSoon(): void {
  if (loadScheduled) return;
  loadScheduled = true;
  setImmediate(() => {
    try {
      xmlbuilder2();
    } catch {
      // Early loading is only a head start: the first XML answer loads it again, and its failure is answered there.
    }
  });
}

/** The document as text, indented. */
export const writeXml = (doc: XMLBuilder): string => doc.end(WRITER_OPTIONS);
