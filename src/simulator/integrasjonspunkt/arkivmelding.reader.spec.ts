import { readArkivmelding } from './arkivmelding.reader';
import { IpHttpError } from './ip.errors';

const AM = 'http://www.arkivverket.no/standarder/noark5/arkivmelding';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

function xml(journalpost: string, mappeType = 'saksmappe'): Buffer {
  return Buffer.from(
    `<arkivmelding xmlns="${AM}" xmlns:xsi="${XSI}"><mappe xsi:type="${mappeType}"><systemID>S</systemID>` +
      `<basisregistrering xsi:type="journalpost">${journalpost}</basisregistrering></mappe></arkivmelding>`,
  );
}

function beskrivelse(nummer: string | undefined, ...files: string[]): string {
  const objekter = files.map(
    (f) => `<dokumentobjekt><referanseDokumentfil>${f}</referanseDokumentfil></dokumentobjekt>`,
  );
  return `<dokumentbeskrivelse>${nummer === undefined ? '' : `<dokumentnummer>${nummer}</dokumentnummer>`}${objekter.join('')}</dokumentbeskrivelse>`;
}

describe('readArkivmelding', () => {
  it('lists referanseDokumentfil of dokumentbeskrivelser by dokumentnummer, ignoring loose dokumentobjekter', () => {
    const info = readArkivmelding(
      xml(
        `${beskrivelse('2', 'b.pdf')}${beskrivelse('1', 'a.pdf', 'a2.pdf')}` +
          '<dokumentobjekt><referanseDokumentfil>loose.pdf</referanseDokumentfil></dokumentobjekt>' +
          '<offentligTittel>T</offentligTittel><journalpostnummer> 12 </journalpostnummer>',
      ),
    );
    expect(info).toMatchObject({
      offentligTittel: 'T',
      messageReference: 'S-12',
      referencedFiles: ['a.pdf', 'a2.pdf', 'b.pdf'],
    });
  });

  it('accepts a prefixed xsi:type QName and reads junk integers as absent, as JAXB does', () => {
    const body = Buffer.from(
      `<am:arkivmelding xmlns:am="${AM}" xmlns:xsi="${XSI}"><am:mappe xsi:type="am:saksmappe">` +
        `<am:basisregistrering xsi:type="am:journalpost"><am:journalpostnummer>x</am:journalpostnummer>` +
        `</am:basisregistrering></am:mappe></am:arkivmelding>`,
    );
    expect(readArkivmelding(body)).toMatchObject({
      offentligTittel: undefined,
      messageReference: undefined,
      referencedFiles: [],
    });
  });

  it('fails the send check like the IP when two dokumentbeskrivelser lack dokumentnummer', () => {
    const info = readArkivmelding(xml(`${beskrivelse(undefined, 'a.pdf')}${beskrivelse('1', 'b.pdf')}`));
    expect(info.referencedFiles).toBeInstanceOf(IpHttpError);
  });

  it('throws a 500 without a saksmappe or a journalpost', () => {
    expect(() => readArkivmelding(xml('', 'mappe'))).toThrow('No "Saksmappe" found in Arkivmelding');
    const noJournalpost = Buffer.from(
      `<arkivmelding xmlns="${AM}" xmlns:xsi="${XSI}"><mappe xsi:type="saksmappe"/></arkivmelding>`,
    );
    expect(() => readArkivmelding(noJournalpost)).toThrow('No "Journalpost" found in Arkivmelding');
  });
});
