// Client copies of two server rules (render/bytes.go, render/variables.go), for the
// editor's counter and chips. render/testdata/text-vectors.json feeds both this
// file's tests and the Go tests, so the two cannot drift apart.

export const SMS_MAX_BYTES = 90;
export const LMS_MAX_BYTES = 2000;
export const ALIMTALK_MAX_CHARS = 1000;
export const MAX_BUTTONS = 5;
export const BUTTON_NAME_MAX_CHARS = 14;

/** smsBytes counts text as Korean carriers do: EUC-KR bytes, ASCII 1 and every
 * other code point 2 (what EUC-KR cannot encode counts like Hangul). */
export function smsBytes(s: string): number {
  let n = 0;
  for (const ch of s) n += ch.codePointAt(0)! < 0x80 ? 1 : 2;
  return n;
}

/** chars counts AlimTalk text in code points, as Kakao does. */
export function chars(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const nameChar = /^[\p{L}\p{Nd}\p{Mn}_.-]$/u;

function wellFormed(name: string): boolean {
  if (name === '') return false;
  for (const ch of name) if (!nameChar.test(ch)) return false;
  return true;
}

/** variables returns the distinct #{name} variables of texts in order of first
 * appearance (names in NFC); malformed placeholders are skipped. */
export function variables(...texts: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const s of texts) {
    let i = 0;
    for (;;) {
      const start = s.indexOf('#{', i);
      if (start < 0) break;
      const nameStart = start + 2;
      let close = -1;
      let stop = s.length;
      for (let p = nameStart; p < s.length; p++) {
        const c = s[p];
        if (c === '}') {
          close = p;
          break;
        }
        // A name never spans lines or another "#{".
        if (c === '\n' || c === '\r' || (c === '#' && s[p + 1] === '{')) {
          stop = p;
          break;
        }
      }
      if (close < 0) {
        i = stop;
        continue;
      }
      const name = s.slice(nameStart, close);
      if (wellFormed(name)) {
        const nfc = name.normalize('NFC');
        if (!seen.has(nfc)) {
          seen.add(nfc);
          out.push(nfc);
        }
      }
      i = close + 1;
    }
  }
  return out;
}

export type SmsKind = 'sms' | 'lms';

/** smsKind tells whether a text goes out as SMS (≤ 90 bytes) or LMS. */
export function smsKind(bytes: number): SmsKind {
  return bytes <= SMS_MAX_BYTES ? 'sms' : 'lms';
}

/** adHead and adFooter are what an advertisement gets (render/advert.go). */
export function adHead(accountName: string): string {
  const name = accountName.trim().replace(/\r\n|\r|\n/g, ' ');
  return name ? `(광고) ${name}\n` : '(광고) ';
}

export function adFooter(optoutNumber: string): string {
  return `\n무료수신거부 ${optoutNumber.trim()}`;
}
