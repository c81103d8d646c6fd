import * as yauzl from 'yauzl';

export interface ZipEntryRead {
  name: string;
  crc32: number;
  data: Buffer;
}

/** Every entry of a zip held in memory, read with yauzl (an independent reader, not our writer). */
export function openZip(buffer: Buffer): Promise<ZipEntryRead[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true, strictFileNames: true }, (err, zip) => {
      if (err) {
        reject(err);
        return;
      }
      const entries: ZipEntryRead[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) {
            reject(e);
            return;
          }
          const parts: Buffer[] = [];
          stream.on('data', (d: Buffer) => parts.push(d));
          stream.on('end', () => {
            entries.push({ name: entry.fileName, crc32: entry.crc32, data: Buffer.concat(parts) });
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
