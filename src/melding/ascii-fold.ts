const FOLD: Record<string, string> = { æ: 'ae', Æ: 'AE', ø: 'o', Ø: 'O', å: 'a', Å: 'A' };

/**
 * Text as printable ASCII: Norwegian letters folded (æ → ae, ø → o, å → a), other accents dropped by NFKD, the
 * rest removed. HTTP headers are not UTF-8, so a file name reaches the IP like this; an upload name is folded
 * the same way before arkivmelding.xml names it, or the two would differ.
 */
export function foldToAscii(value: string): string {
  return value
    .replace(/[æÆøØåÅ]/g, (c) => FOLD[c])
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '');
}
