import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The repository must make sense to someone who cloned only it: no file may point into the team's folder beside it
 * (the design brief, the peers' specifications, the stack notes), and every link into docs/ must land on a file.
 * The design and contracts live in docs/architecture.md, docs/peers/, docs/configuration.md and docs/development.md.
 */

const ROOT = resolve(__dirname, '..');
const THIS_FILE = relative(ROOT, __filename);

/** What pointed outside the repository before it became self-contained. */
const OUTSIDE_REFERENCES: readonly { name: string; pattern: RegExp }[] = [
  { name: 'the team folder by absolute path', pattern: /\/work\/shared/ },
  { name: 'the team folder by relative path', pattern: /\.\.\/shared\b/ },
  { name: 'a spec folder of the team', pattern: /(?<![\w/.-])(?:shared\/)?spec\/(?:[\w-]+\.md|(?=[\s`'")\]]))/ },
  { name: 'the original brief or stack notes by bare name', pattern: /\b(?:ARCHITECTURE|STACK|STYLE)\.md\b/ },
];

function trackedTextFiles(): { path: string; text: string }[] {
  const listed = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  return listed.flatMap((path) => {
    const absolute = join(ROOT, path);
    if (!existsSync(absolute) || !statSync(absolute).isFile()) {
      return [];
    }
    const text = readFileSync(absolute, 'utf8');
    return text.includes('\0') ? [] : [{ path, text }];
  });
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      inFence = !inFence;
      continue;
    }
    const heading = !inFence && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) {
      continue;
    }
    const slug = heading[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

interface Link {
  from: string;
  line: number;
  target: string;
}

/** Relative links of the markdown files at the root and under docs/ (not web addresses, not in-page anchors). */
function markdownLinks(files: readonly { path: string; text: string }[]): Link[] {
  return files
    .filter((f) => f.path.endsWith('.md') && (!f.path.includes('/') || f.path.startsWith('docs/')))
    .flatMap((file) =>
      [...file.text.matchAll(/\]\(([^)\s]+)\)/g)]
        .filter((m) => !/^(?:[a-z]+:|#)/i.test(m[1]))
        .map((m) => ({ from: file.path, line: lineOf(file.text, m.index), target: m[1] })),
    );
}

describe('a self-contained repository', () => {
  const files = trackedTextFiles();

  it('reads the tracked files', () => {
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md']));
  });

  it('has no file that points into the team folder beside the repository', () => {
    const found = files
      .filter((file) => file.path !== THIS_FILE)
      .flatMap((file) =>
        OUTSIDE_REFERENCES.flatMap(({ name, pattern }) => {
          const match = new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`);
          return [...file.text.matchAll(match)].map((m) => `${file.path}:${lineOf(file.text, m.index)}: ${name}`);
        }),
      );
    expect(found).toEqual([]);
  });

  it('has every link of README.md and docs/ land on a file, and on a heading when it names one', () => {
    const broken = markdownLinks(files).flatMap(({ from, line, target }) => {
      const [path, anchor] = target.split('#');
      const absolute = path === '' ? join(ROOT, from) : resolve(ROOT, dirname(from), decodeURIComponent(path));
      if (!existsSync(absolute)) {
        return [`${from}:${line}: ${target} (no such file)`];
      }
      if (anchor && absolute.endsWith('.md') && !anchorsOf(readFileSync(absolute, 'utf8')).has(anchor)) {
        return [`${from}:${line}: ${target} (no such heading)`];
      }
      return [];
    });
    expect(broken).toEqual([]);
  });

  it('has every docs/ path named in a tracked file exist', () => {
    const missing = files.flatMap((file) =>
      [...file.text.matchAll(/(?<![\w./-])docs\/[\w./-]*\w\.(?:md|json|svg)\b/g)]
        .filter((m) => !existsSync(join(ROOT, m[0])))
        .map((m) => `${file.path}:${lineOf(file.text, m.index)}: ${m[0]}`),
    );
    expect(missing).toEqual([]);
  });

  it('has every "development.md, trap N" that the code cites in docs/development.md', () => {
    const development = readFileSync(join(ROOT, 'docs/development.md'), 'utf8');
    const traps = new Set([...development.matchAll(/^(\d+)\. \*\*/gm)].map((m) => Number(m[1])));
    const cited = files.flatMap((file) =>
      [...file.text.matchAll(/development\.md, trap (\d+)/g)].map((m) => ({
        at: `${file.path}:${lineOf(file.text, m.index)}`,
        trap: Number(m[1]),
      })),
    );
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.filter((c) => !traps.has(c.trap)).map((c) => `${c.at}: trap ${c.trap}`)).toEqual([]);
  });
});
