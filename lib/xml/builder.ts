import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces';

// The one place answers get xmlbuilder2 from, so how it is loaded (and what
// that costs a cold start) is decided here for every XML format.

export type { XMLBuilder };

const WRITER_OPTIONS = { prettyPrint: true, indent: '  ' } as const;

/** A new document that starts with `<?xml version="1.0" encoding="utf-8"?>`. */
export const newXmlDocument = (): XMLBuilder => create({ version: '1.0', encoding: 'utf-8' });

/** The document as text, indented. */
export const writeXml = (doc: XMLBuilder): string => doc.end(WRITER_OPTIONS);
