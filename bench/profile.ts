/**
 * Reads a V8 CPU profile (`node --cpu-prof`) of a server under load and says where its CPU went: the functions
 * with the most self time, how the busy time splits between Monban's own code, each package and Node itself, and
 * the inclusive time of Monban's functions (positions mapped back to the TypeScript sources through the emitted
 * source maps). Idle time (the event loop waiting) is left out of every percentage.
 *
 *   node dist/bench/profile.js PROFILE.cpuprofile [--top 25]
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { relative } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionShare {
  name: string;
  where: string;
  /** Percent of the busy (non-idle) samples. */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  busyMs: number;
  idlePercent: number;
  topSelf: FunctionShare[];
  /** Busy time by origin: "monban src", "node_modules/<pkg>", "node internals", "(garbage collector)", ... */
  byOrigin: { origin: string; percent: number }[];
  /** Busy time by what it was spent on: preparing SQL, running it, building queries, writing sockets, ... */
  byActivity: { activity: string; percent: number }[];
  /** Monban's own functions by inclusive time (the samples with the function anywhere on the stack). */
  monbanInclusive: FunctionShare[];
}

const maps = new Map<string, SourceMap | null>();

function sourceMapOf(path: string): SourceMap | null {
  if (maps.has(path)) return maps.get(path) ?? null;
  let map: SourceMap | null = null;
  const mapPath = `${path}.map`;
  if (existsSync(mapPath)) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(mapPath, 'utf8')) as never);
    } catch {
      map = null;
    }
  }
  maps.set(path, map);
  return map;
}

/** `src/core/bearer.ts:37` for Monban's code (through its source map), else a short form of the URL. */
function where(frame: CallFrame): string {
  if (!frame.url) return '';
  if (!frame.url.startsWith('file://')) return `${frame.url}:${frame.lineNumber + 1}`;
  const path = fileURLToPath(frame.url);
  const map = sourceMapOf(path);
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as
    | { originalSource?: string; originalLine?: number }
    | undefined;
  if (entry?.originalSource) {
    const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : entry.originalSource;
    const shown = source.includes('/src/') ? `src/${source.split('/src/').pop()}` : source;
    return `${shown}:${(entry.originalLine ?? 0) + 1}`;
  }
  const nm = path.lastIndexOf('node_modules/');
  return `${nm >= 0 ? path.slice(nm + 'node_modules/'.length) : relative(process.cwd(), path)}:${frame.lineNumber + 1}`;
}

function origin(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `node_modules/${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (/\/src\//.test(url)) return 'monban src';
  if (/\/bench\//.test(url)) return 'bench';
  return url;
}

/**
 * What a frame's self time was spent on. better-sqlite3's native calls have no URL: `Statement` is the
 * constructor that prepares a statement, `run`/`all`/`get`/`iterate` execute one (in SQLite itself).
 */
function activity(frame: CallFrame, sqlite: boolean): string {
  const { functionName: fn, url } = frame;
  if (fn === '(garbage collector)') return 'garbage collection';
  if (sqlite && !url && fn === 'Statement') return 'SQLite: preparing statements';
  if (url.includes('/better-sqlite3/') && fn === 'prepare') return 'SQLite: preparing statements';
  if (sqlite && !url && ['run', 'all', 'get', 'iterate'].includes(fn)) return 'SQLite: executing statements';
  if (url.includes('/kysely/')) return 'Kysely: building and compiling queries';
  if (/\/node_modules\/pg(-[a-z]+)?\//.test(url)) return 'pg driver';
  if (fn.startsWith('writev') || fn === 'writeBuffer' || fn === 'writeUtf8String' || fn === 'writeLatin1String') {
    return 'socket writes';
  }
  if (/\/node_modules\/(fastify|find-my-way|@fastify|light-my-request|fast-json-stringify|avvio)\//.test(url)) {
    return 'Fastify';
  }
  if (isMonban(frame)) return "Monban's own code";
  if (!url && ['Hash', 'update', 'digest', 'RandomBytesJob', 'timingSafeEqual'].includes(fn)) return 'crypto (hashing)';
  if (url.startsWith('node:')) return 'Node internals (http, streams, events)';
  return 'other';
}

function isMonban(frame: CallFrame): boolean {
  return frame.url.startsWith('file://') && /\/src\//.test(frame.url) && !frame.url.includes('node_modules');
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }

  // Time per sample: V8 records the delta before each sample.
  const self = new Map<number, number>();
  let idle = 0;
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      return;
    }
    busy += dt;
    self.set(id, (self.get(id) ?? 0) + dt);
  });
  const pct = (us: number) => (busy === 0 ? 0 : Math.round((us / busy) * 1000) / 10);

  const selfByFunction = new Map<string, { name: string; where: string; us: number }>();
  const byOrigin = new Map<string, number>();
  const byActivity = new Map<string, number>();
  // A SQLite server: better-sqlite3 or Kysely's SQLite driver on some stack (the native calls carry no URL).
  const sqlite = profile.nodes.some((n) => /\/better-sqlite3\/|\/dialect\/sqlite\/|storage\/sqlite\/statements/.test(n.callFrame.url));
  for (const [id, us] of self) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    const at = where(frame);
    const key = `${frame.functionName}@${at}`;
    const entry = selfByFunction.get(key) ?? { name: frame.functionName || '(anonymous)', where: at, us: 0 };
    entry.us += us;
    selfByFunction.set(key, entry);
    const o = origin(frame);
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + us);
    const a = activity(frame, sqlite);
    byActivity.set(a, (byActivity.get(a) ?? 0) + us);
  }

  // Inclusive time of Monban's functions: each sample counts once for every distinct function on its stack.
  const inclusive = new Map<string, { name: string; where: string; us: number }>();
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const frame = (byId.get(n) as ProfileNode).callFrame;
      if (frame.functionName === '(idle)') break;
      if (!isMonban(frame)) continue;
      const at = where(frame);
      const key = `${frame.functionName}@${at}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = inclusive.get(key) ?? { name: frame.functionName || '(anonymous)', where: at, us: 0 };
      entry.us += dt;
      inclusive.set(key, entry);
    }
  });

  const shares = (m: Map<string, { name: string; where: string; us: number }>) =>
    [...m.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, percent: pct(e.us) }));

  return {
    file,
    busyMs: Math.round(busy / 1000),
    idlePercent: busy + idle === 0 ? 0 : Math.round((idle / (busy + idle)) * 1000) / 10,
    topSelf: shares(selfByFunction),
    byOrigin: [...byOrigin.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([o, us]) => ({ origin: o, percent: pct(us) })),
    byActivity: [...byActivity.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([a, us]) => ({ activity: a, percent: pct(us) })),
    monbanInclusive: shares(inclusive),
  };
}

export function describeProfile(summary: ProfileSummary, title: string): string {
  const lines = [
    `${title}: ${summary.busyMs} ms busy, ${summary.idlePercent}% idle (${summary.file})`,
    '  busy time by activity:',
    ...summary.byActivity.map((a) => `    ${a.percent.toFixed(1).padStart(5)}%  ${a.activity}`),
    '  busy time by origin:',
    ...summary.byOrigin.slice(0, 12).map((o) => `    ${o.percent.toFixed(1).padStart(5)}%  ${o.origin}`),
    '  top functions by self time:',
    ...summary.topSelf.map((f) => `    ${f.percent.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`),
    "  Monban's functions by inclusive time:",
    ...summary.monbanInclusive.map((f) => `    ${f.percent.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const topIndex = args.indexOf('--top');
  const top = topIndex >= 0 ? Number(args.splice(topIndex, 2)[1]) : 25;
  if (args.length === 0) {
    process.stderr.write('usage: node dist/bench/profile.js PROFILE.cpuprofile [--top N]\n');
    process.exit(2);
  }
  for (const file of args) process.stdout.write(`${describeProfile(summarizeProfile(file, top), file)}\n\n`);
}
