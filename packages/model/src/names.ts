/**
 * Names are ASCII. A name that holds a character from elsewhere in Unicode that looks like an
 * ASCII one (U+2010 HYPHEN in `prod‐use1`, a Cyrillic `а` in `stаging`, a no-break space) reads
 * the same in a review and is a different name to every tool: it is refused, naming the character
 * by its code point and its position in the name.
 */

/** Characters people paste into names by accident, with what they look like. */
const KNOWN: Readonly<Record<number, { name: string; like: string }>> = {
  160: { name: 'NO-BREAK SPACE', like: ' ' },
  173: { name: 'SOFT HYPHEN', like: '-' },
  8208: { name: 'HYPHEN', like: '-' },
  8209: { name: 'NON-BREAKING HYPHEN', like: '-' },
  8210: { name: 'FIGURE DASH', like: '-' },
  8211: { name: 'EN DASH', like: '-' },
  8212: { name: 'EM DASH', like: '-' },
  8722: { name: 'MINUS SIGN', like: '-' },
  65123: { name: 'SMALL HYPHEN-MINUS', like: '-' },
  65293: { name: 'FULLWIDTH HYPHEN-MINUS', like: '-' },
  8203: { name: 'ZERO WIDTH SPACE', like: '' },
  8204: { name: 'ZERO WIDTH NON-JOINER', like: '' },
  8205: { name: 'ZERO WIDTH JOINER', like: '' },
  8288: { name: 'WORD JOINER', like: '' },
  65279: { name: 'ZERO WIDTH NO-BREAK SPACE', like: '' },
  1072: { name: 'CYRILLIC SMALL LETTER A', like: 'a' },
  1077: { name: 'CYRILLIC SMALL LETTER IE', like: 'e' },
  1086: { name: 'CYRILLIC SMALL LETTER O', like: 'o' },
  1088: { name: 'CYRILLIC SMALL LETTER ER', like: 'p' },
  1089: { name: 'CYRILLIC SMALL LETTER ES', like: 'c' },
  1093: { name: 'CYRILLIC SMALL LETTER HA', like: 'x' },
  1091: { name: 'CYRILLIC SMALL LETTER U', like: 'y' },
  1110: { name: 'CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I', like: 'i' },
  959: { name: 'GREEK SMALL LETTER OMICRON', like: 'o' },
  305: { name: 'LATIN SMALL LETTER DOTLESS I', like: 'i' },
};

/** The first character of `name` outside ASCII, by code point, with its 1-based position. */
export interface ForeignCharacter {
  /** `U+2010`. */
  readonly codePoint: string;
  /** `(HYPHEN, which looks like "-")`, or the character's general category when it is not a known look-alike. */
  readonly description: string;
  /** 1-based position of the character in the name, counted in characters (code points). */
  readonly position: number;
  /** 0-based offset in the string (UTF-16 units), for a column in the file. */
  readonly offset: number;
}

function category(ch: string): string {
  if (/\p{Pd}/u.test(ch)) return 'a dash';
  if (/\p{Zs}/u.test(ch)) return 'a space';
  if (/\p{Cf}/u.test(ch)) return 'an invisible formatting character';
  if (/\p{C}/u.test(ch)) return 'a control character';
  if (/\p{L}/u.test(ch)) return 'a letter outside ASCII';
  if (/\p{N}/u.test(ch)) return 'a digit outside ASCII';
  return 'a character outside ASCII';
}

/** The first character of a name that is not ASCII (or an ASCII control character), if any. */
export function foreignCharacter(name: string): ForeignCharacter | undefined {
  let position = 0;
  let offset = 0;
  for (const ch of name) {
    position++;
    const cp = ch.codePointAt(0)!;
    if (cp > 0x7e || cp < 0x20) {
      const known = KNOWN[cp];
      const hex = cp.toString(16).toUpperCase().padStart(4, '0');
      const shown = /\p{L}|\p{N}|\p{P}|\p{S}/u.test(ch) ? ` "${ch}"` : '';
      const description = known
        ? `(${known.name}${shown}, which looks like ${known.like ? `"${known.like}"` : 'nothing at all'})`
        : `(${category(ch)}${shown})`;
      return { codePoint: `U+${hex}`, description, position, offset };
    }
    offset += ch.length;
  }
  return undefined;
}
