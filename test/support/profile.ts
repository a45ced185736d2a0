import * as plist from 'plist';
import { expect } from 'vitest';

// Reads an Apple configuration profile back with an independent property
// list parser (the `plist` package, on xmldom), as a device would.

export type PlistDict = Record<string, unknown>;

export interface ReadProfile {
  readonly top: PlistDict;
  readonly payloads: PlistDict[];
  /** Payloads of one PayloadType. */
  readonly ofType: (type: string) => PlistDict[];
}

export function readProfile(text: string): ReadProfile {
  expect(text.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">')).toBe(true);
  const top = plist.parse(text) as PlistDict;
  const payloads = top.PayloadContent as PlistDict[];
  expect(Array.isArray(payloads)).toBe(true);
  return { top, payloads, ofType: (type) => payloads.filter((payload) => payload.PayloadType === type) };
}

export const UUID_V5 = /^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;
