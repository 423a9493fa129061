import { AsnConvert } from '@peculiar/asn1-schema';
import { AttributeValue, Name } from '@peculiar/asn1-x509';

/**
 * A distinguished name as it is compared (RFC 5280 §7.1, RFC 4517 §4.2.15): its RDNs in the
 * order of the ASN.1 RDNSequence (most significant first, `C` or `DC` before `CN`), each RDN a
 * set of attribute type OIDs with values prepared for comparison.
 */
export type DistinguishedName = ReadonlyArray<ReadonlyArray<{ type: string; value: string }>>;

/**
 * RFC 4514 §3 short names, matched case-insensitively, and the few more in common use in
 * certificate subjects (RFC 5280 §4.1.2.4, RFC 4519); anything else must be given as an OID.
 */
const ATTRIBUTE_TYPES: Record<string, string> = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  SERIALNUMBER: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  TITLE: '2.5.4.12',
  POSTALCODE: '2.5.4.17',
  GIVENNAME: '2.5.4.42',
  INITIALS: '2.5.4.43',
  GENERATIONQUALIFIER: '2.5.4.44',
  DNQUALIFIER: '2.5.4.46',
  PSEUDONYM: '2.5.4.65',
  ORGANIZATIONIDENTIFIER: '2.5.4.97',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  EMAILADDRESS: '1.2.840.113549.1.9.1',
};

/** The longest distinguished name string accepted (the column's size). */
export const MAX_DN_LENGTH = 1024;

const NUMERIC_OID = /^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/;
const DESCR = /^[A-Za-z][A-Za-z0-9-]*$/;
/** RFC 4514 §3: characters escaped by a backslash, besides a pair of hex digits. */
const ESCAPABLE = new Set([' ', '"', '#', '+', ',', ';', '<', '=', '>', '\\']);

/**
 * Prepares an attribute value for comparison (RFC 5280 §7.1 after RFC 4518 §2): Unicode NFKC,
 * case folded, leading and trailing space removed and inner runs of white space made one space.
 */
export function prepareValue(value: string): string {
  return value.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * Parses an RFC 4514 string (`CN=client-a,O=Example`). The string lists the RDNs last first
 * (RFC 4514 §2.1), so the result is reversed into RDNSequence order. Spaces around `,` `+` `=`
 * are allowed (RFC 4514 §4 lets parsers accept them). Undefined when it does not parse: an
 * unknown attribute name, a missing `=`, a bad escape or hex value, an empty DN, a control
 * character.
 */
export function parseDistinguishedName(text: string): DistinguishedName | undefined {
  if (text.length === 0 || text.length > MAX_DN_LENGTH) return undefined;
  if (hasControl(text)) return undefined;
  const rdns: Array<Array<{ type: string; value: string }>> = [];
  let rdn: Array<{ type: string; value: string }> = [];
  let i = 0;
  while (i <= text.length) {
    // attributeType
    const equals = text.indexOf('=', i);
    if (equals < 0) return undefined;
    const type = attributeOid(text.slice(i, equals).trim());
    if (!type) return undefined;
    i = equals + 1;
    while (text[i] === ' ') i++;
    // attributeValue: a hexstring or a string with escapes, up to an unescaped `,` `+` or the end
    let value: string | undefined;
    if (text[i] === '#') {
      const hex = /^#((?:[0-9A-Fa-f]{2})+)/.exec(text.slice(i));
      if (!hex) return undefined;
      value = decodeHexValue(hex[1]);
      if (value === undefined) return undefined;
      i += hex[0].length;
      while (text[i] === ' ') i++;
    } else {
      const bytes: number[] = [];
      let trailingSpaces = 0;
      while (i < text.length && text[i] !== ',' && text[i] !== '+' && text[i] !== ';') {
        const char = text[i];
        if (char === '\\') {
          const next = text[i + 1];
          if (next !== undefined && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
            bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
            i += 3;
          } else if (next !== undefined && ESCAPABLE.has(next)) {
            bytes.push(...Buffer.from(next, 'utf8'));
            i += 2;
          } else {
            return undefined;
          }
          trailingSpaces = 0;
          continue;
        }
        // RFC 4514 §3: these must be escaped within a value.
        if (char === '"' || char === '<' || char === '>' || char === '=') return undefined;
        const encoded = Buffer.from(char, 'utf8');
        bytes.push(...encoded);
        trailingSpaces = char === ' ' ? trailingSpaces + 1 : 0;
        i += char.length;
      }
      const raw = Buffer.from(bytes.slice(0, bytes.length - trailingSpaces)).toString('utf8');
      if (raw.includes('\uFFFD')) return undefined;
      value = raw;
    }
    rdn.push({ type, value: prepareValue(value) });
    if (i >= text.length) {
      rdns.push(rdn);
      break;
    }
    const separator = text[i];
    if (separator !== ',' && separator !== ';' && separator !== '+') return undefined;
    i++;
    while (text[i] === ' ') i++;
    if (separator === ',' || separator === ';') {
      rdns.push(rdn);
      rdn = [];
    }
    if (i >= text.length) return undefined; // a trailing separator
  }
  if (rdns.some((r) => new Set(r.map((a) => a.type)).size !== r.length)) return undefined;
  return rdns.reverse().map(sortRdn);
}

/** Whether `text` holds a C0 control character or DEL. */
export function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** The subject of a DER certificate, as compared. */
export function subjectOfCertificate(subjectDer: ArrayBuffer | Buffer): DistinguishedName {
  const name = AsnConvert.parse(subjectDer, Name);
  return name.map((rdn) =>
    sortRdn(rdn.map((attribute) => ({ type: attribute.type, value: valueOf(attribute.value) }))),
  );
}

/**
 * RFC 5280 §7.1: two names match when they have the same RDNs in the same order and each RDN
 * the same attribute types with matching values.
 */
export function sameDistinguishedName(a: DistinguishedName, b: DistinguishedName): boolean {
  return (
    a.length === b.length &&
    a.every(
      (rdn, i) =>
        rdn.length === b[i].length &&
        rdn.every((attr, j) => attr.type === b[i][j].type && attr.value === b[i][j].value),
    )
  );
}

function attributeOid(name: string): string | undefined {
  if (NUMERIC_OID.test(name)) return name;
  if (/^oid\./i.test(name) && NUMERIC_OID.test(name.slice(4))) return name.slice(4);
  if (!DESCR.test(name)) return undefined;
  return ATTRIBUTE_TYPES[name.toUpperCase()];
}

function valueOf(value: AttributeValue): string {
  if (value.anyValue) return `#${Buffer.from(value.anyValue).toString('hex')}`;
  return prepareValue(value.toString());
}

/** RFC 4514 §2.4 `#` value: the BER of a string; any other type is kept as its hex. */
function decodeHexValue(hex: string): string | undefined {
  try {
    const value = AsnConvert.parse(Buffer.from(hex, 'hex'), AttributeValue);
    return value.anyValue ? undefined : value.toString();
  } catch {
    return undefined;
  }
}

function sortRdn(
  rdn: Array<{ type: string; value: string }>,
): Array<{ type: string; value: string }> {
  return [...rdn].sort((x, y) =>
    x.type === y.type ? x.value.localeCompare(y.value) : x.type < y.type ? -1 : 1,
  );
}
