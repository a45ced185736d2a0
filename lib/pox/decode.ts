// Request bytes → text, decided explicitly (README, "How requests are answered"):
// a byte-order mark wins, else the XML declaration's encoding, else the
// Content-Type charset, else UTF-8. Undecodable bytes are an error, never U+FFFD.

const BOMS: ReadonlyArray<{ bytes: readonly number[]; encoding: string }> = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be' },
];

// XML 1.0 appendix F: a declaration in UTF-16 without a BOM still starts with "<?".
const UTF16_SIGNATURES: ReadonlyArray<{ bytes: readonly number[]; encoding: string }> = [
  { bytes: [0x3c, 0x00, 0x3f, 0x00], encoding: 'utf-16le' },
  { bytes: [0x00, 0x3c, 0x00, 0x3f], encoding: 'utf-16be' },
];

// US-ASCII under its registered names (IANA character-sets). The WHATWG table
// maps some of them to windows-1252, which would accept bytes above 0x7F
// that ASCII does not have; these are decoded here, strictly, instead.
const ASCII_LABELS: ReadonlySet<string> = new Set([
  'us-ascii', 'ascii', 'ansi_x3.4-1968', 'ansi_x3.4-1986', 'iso-ir-6', 'iso_646.irv:1991', 'iso646-us', 'us', 'ibm367', 'cp367', 'csascii',
]);

const DECLARED_ENCODING = /^<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/;
const CHARSET_PARAM = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

const startsWith = (bytes: Uint8Array, prefix: readonly number[]): boolean =>
  prefix.every((byte, i) => bytes[i] === byte);

function chooseEncoding(bytes: Uint8Array, contentType: string | undefined): string {
  const bom = BOMS.find((b) => startsWith(bytes, b.bytes));
  if (bom) return bom.encoding;
  const utf16 = UTF16_SIGNATURES.find((s) => startsWith(bytes, s.bytes));
  if (utf16) return utf16.encoding;
  // The declaration is ASCII in every encoding we can meet without a BOM.
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const declared = DECLARED_ENCODING.exec(head)?.[1];
  if (declared) return declared;
  const charset = contentType ? CHARSET_PARAM.exec(contentType)?.[1] : undefined;
  return charset ?? 'utf-8';
}

/** Decodes a request body; undefined when the encoding is unknown or the bytes do not fit it. */
export function decodeRequestBody(bytes: Uint8Array, contentType: string | undefined): string | undefined {
  const encoding = chooseEncoding(bytes, contentType);
  if (ASCII_LABELS.has(encoding.trim().toLowerCase())) return bytes.every((byte) => byte < 0x80) ? Buffer.from(bytes).toString('latin1') : undefined;
  try {
    // TextDecoder drops a BOM of its own encoding; `fatal` refuses malformed bytes.
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
