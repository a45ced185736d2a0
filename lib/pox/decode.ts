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
  try {
    // TextDecoder drops a BOM of its own encoding; `fatal` refuses malformed bytes.
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
