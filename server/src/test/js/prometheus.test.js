// Node tests for prometheus.js, on exposition text as Prometheus client libraries write it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePrometheus, findHistogram, findValue } from "../../main/resources/web/prometheus.js";

const TEXT = `# HELP sluice_ttft_seconds Time to first token.
# TYPE sluice_ttft_seconds histogram
sluice_ttft_seconds_bucket{model="sim/chat",le="0.05"} 3
sluice_ttft_seconds_bucket{model="sim/chat",le="0.5"} 5
sluice_ttft_seconds_bucket{model="sim/chat",le="+Inf"} 6
sluice_ttft_seconds_bucket{model="sim/echo",le="0.05"} 1
sluice_ttft_seconds_bucket{model="sim/echo",le="0.5"} 1
sluice_ttft_seconds_bucket{model="sim/echo",le="+Inf"} 1
sluice_ttft_seconds_sum{model="sim/chat"} 1.2
sluice_ttft_seconds_count{model="sim/chat"} 6
# TYPE sluice_streams_open gauge
sluice_streams_open{dialect="browser"} 2
sluice_streams_open{dialect="openai"} 1
sluice_requests_total{status="completed",note="a \\"quoted\\" value"} 7
`;

test("reads samples, labels with escapes and types", () => {
  const parsed = parsePrometheus(TEXT);
  assert.equal(parsed.types.get("sluice_ttft_seconds"), "histogram");
  assert.equal(parsed.samples.length, 11);
  assert.deepEqual(parsed.samples.at(-1).labels, { status: "completed", note: 'a "quoted" value' });
  assert.equal(parsed.samples[2].value, 6);
});

test("sums a histogram's buckets over labels and makes them non-cumulative", () => {
  const h = findHistogram(parsePrometheus(TEXT), /ttft|first_token/);
  assert.equal(h.name, "sluice_ttft_seconds");
  assert.equal(h.unitMs, 1000);
  assert.deepEqual(h.buckets, [{ le: 0.05, count: 4 }, { le: 0.5, count: 2 }, { le: Infinity, count: 1 }]);
});

test("sums a gauge over labels, and says null when nothing matches", () => {
  const parsed = parsePrometheus(TEXT);
  assert.equal(findValue(parsed, /streams.*(open|active)|(open|active).*streams/), 3);
  assert.equal(findValue(parsed, /nothing_like_this/), null);
  assert.equal(findHistogram(parsePrometheus(""), /ttft/), null);
});
