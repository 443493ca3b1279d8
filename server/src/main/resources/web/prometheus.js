// prometheus.js: reads the Prometheus text exposition format (GET /metrics) generically, so the
// dashboard needs no list of metric names: it looks for a time-to-first-token histogram and an
// open-streams gauge by the words in their names.

/** Parses exposition text into {types: Map(name → type), samples: [{name, labels, value}]}. */
export function parsePrometheus(text) {
  const types = new Map();
  const samples = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const m = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (m) types.set(m[1], m[2]);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[3]) for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2].replace(/\\n/g, "\n").replace(/\\(.)/g, "$1");
    }
    const value = m[4] === "+Inf" ? Infinity : m[4] === "-Inf" ? -Infinity : Number(m[4]);
    samples.push({ name: m[1], labels, value });
  }
  return { types, samples };
}

/**
 * The first histogram whose name matches `pattern`, its buckets summed over every other label:
 * {name, unitMs (1000 for *_seconds), buckets: [{le, count}] non-cumulative, ascending}, or null.
 */
export function findHistogram(parsed, pattern) {
  const names = new Set(parsed.samples.filter((s) => s.name.endsWith("_bucket")).map((s) => s.name.slice(0, -"_bucket".length)));
  const name = [...names].find((n) => pattern.test(n));
  if (!name) return null;
  const cumulative = new Map();
  for (const s of parsed.samples) {
    if (s.name !== name + "_bucket" || s.labels.le === undefined) continue;
    const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
    cumulative.set(le, (cumulative.get(le) ?? 0) + s.value);
  }
  const les = [...cumulative.keys()].sort((a, b) => a - b);
  let previous = 0;
  const buckets = les.map((le) => {
    const count = cumulative.get(le) - previous;
    previous = cumulative.get(le);
    return { le, count };
  });
  return { name, unitMs: /_seconds$/.test(name) ? 1000 : 1, buckets };
}

/** The sum over labels of the first gauge or counter whose name matches `pattern`, or null. */
export function findValue(parsed, pattern) {
  const sample = parsed.samples.find((s) => pattern.test(s.name) && !/_(bucket|sum|count|created)$/.test(s.name));
  if (!sample) return null;
  return parsed.samples.filter((s) => s.name === sample.name).reduce((sum, s) => sum + s.value, 0);
}
