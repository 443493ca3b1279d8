// Node tests for sluice.js (node --test; run by NodeClientTest in `mvn verify`). Each test starts a
// real HTTP server on loopback that speaks the browser dialect the way the test needs.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { createSseParser, eventType, streamChat, createChatStream } from "../../main/resources/web/sluice.js";

/** Starts a server whose handler sees every request; returns its base URL, the requests and close(). */
async function serve(handler) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      const r = { method: req.method, url: req.url, headers: req.headers, body, req };
      requests.push(r);
      handler(r, res, requests.length);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); },
  };
}

const frame = (stream, seq, data) => `id: ${stream}:${seq}\ndata: ${JSON.stringify(data)}\n\n`;
const sseHead = { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache" };
const done = { done: true, finishReason: "stop", usage: { promptTokens: 2, completionTokens: 3, totalTokens: 5, estimated: false },
  costUsd: 0, timing: { ttftMs: 1.5, overheadMs: 0.2 } };
const messages = [{ role: "user", content: "hi" }];

/** Resolves when cond() is true, polling briefly; fails after a deadline instead of hanging. */
async function until(cond, what, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("parses the same events whatever the chunk boundaries, CRLF, CR and multi-line data included", () => {
  const wire = ": comment\r\nid: st_1:0\r\ndata: {\"a\":1}\r\n\r\nid: st_1:1\rdata: line one\rdata: line two\r\r"
    + "event: custom\ndata: é😀\n\ndata: no id keeps the last id\n\n";
  const parse = (chunks) => {
    const out = [];
    const p = createSseParser((m) => out.push(m));
    for (const c of chunks) p.push(c);
    return out;
  };
  const whole = parse([wire]);
  assert.deepEqual(whole, [
    { type: "message", data: "{\"a\":1}", id: "st_1:0" },
    { type: "message", data: "line one\nline two", id: "st_1:1" },
    { type: "custom", data: "é😀", id: "st_1:1" },
    { type: "message", data: "no id keeps the last id", id: "st_1:1" },
  ]);
  for (let i = 0; i <= wire.length; i++) {
    for (let j = i; j <= wire.length; j += 7) {
      assert.deepEqual(parse([wire.slice(0, i), wire.slice(i, j), wire.slice(j)]), whole, `split at ${i}, ${j}`);
    }
  }
});

test("names each browser event by its data", () => {
  assert.equal(eventType({ stream: "st_1", model: "sim/chat" }), "start");
  assert.equal(eventType({ content: "x" }), "content");
  assert.equal(eventType({ done: true }), "done");
  assert.equal(eventType({ error: { message: "m" } }), "error");
  assert.equal(eventType({ toolCall: {} }), "toolCall");
});

test("streams events in order from a body split mid-event and mid-character", async (t) => {
  const wire = frame("st_1", 0, { stream: "st_1", model: "sim/chat" }) + frame("st_1", 1, { content: "héllo " })
    + frame("st_1", 2, { content: "wörld" }) + frame("st_1", 3, done);
  const bytes = Buffer.from(wire);
  const server = await serve(async (r, res) => {
    res.writeHead(200, sseHead);
    for (let i = 0; i < bytes.length; i += 5) {
      res.write(bytes.subarray(i, i + 5));
      await new Promise((ok) => setImmediate(ok));
    }
    res.end();
  });
  t.after(server.close);
  const seen = [];
  const result = await streamChat({ model: "sim/chat", messages, baseUrl: server.base }, (e) => seen.push(e.type));
  assert.deepEqual(seen, ["start", "content", "content", "done"]);
  assert.equal(result.status, "done");
  assert.equal(result.text, "héllo wörld");
  assert.equal(result.streamId, "st_1");
  assert.deepEqual(result.done.usage, done.usage);
  assert.deepEqual(JSON.parse(server.requests[0].body), { model: "sim/chat", messages });
  assert.equal(server.requests[0].headers["content-type"], "application/json");
});

test("reports an error response's message and an in-stream error as errors", async (t) => {
  const server = await serve((r, res, n) => {
    if (n === 1) {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { message: "Model 'nope' is not served.", type: "not_found_error", retryable: false } }));
    } else {
      res.writeHead(200, sseHead);
      res.end(frame("st_2", 0, { stream: "st_2", model: "sim/chat" }) + frame("st_2", 1, { content: "par" })
        + frame("st_2", 2, { error: { message: "upstream reset", type: "upstream_error", retryable: true } }));
    }
  });
  t.after(server.close);
  const rejected = await streamChat({ model: "nope", messages, baseUrl: server.base });
  assert.equal(rejected.status, "error");
  assert.equal(rejected.error.message, "Model 'nope' is not served.");
  const types = [];
  const failed = await streamChat({ model: "sim/chat", messages, baseUrl: server.base }, (e) => types.push(e.type));
  assert.equal(failed.status, "error");
  assert.equal(failed.error.message, "upstream reset");
  assert.equal(failed.text, "par");
  assert.deepEqual(types, ["start", "content", "error"]);
});

test("resumes a dropped stream with Last-Event-ID and shows no text twice", async (t) => {
  const server = await serve((r, res, n) => {
    res.writeHead(200, sseHead);
    if (n === 1) {
      res.write(frame("st_9", 0, { stream: "st_9", model: "sim/chat" }) + frame("st_9", 1, { content: "one " })
        + frame("st_9", 2, { content: "two " }));
      setTimeout(() => res.socket.destroy(), 20); // the network blip: no done, no error
    } else {
      // A resuming server replays after the given seq; this one also repeats seq 2, which must be skipped.
      res.end(frame("st_9", 2, { content: "two " }) + frame("st_9", 3, { content: "three" }) + frame("st_9", 4, done));
    }
  });
  t.after(server.close);
  const seen = [];
  const result = await streamChat({ model: "sim/chat", messages, baseUrl: server.base, resumeDelayMs: 10 },
    (e) => seen.push(e.type));
  assert.equal(result.status, "done");
  assert.equal(result.text, "one two three");
  assert.deepEqual(seen, ["start", "content", "content", "reconnecting", "content", "done"]);
  assert.equal(server.requests.length, 2);
  assert.equal(server.requests[0].headers["last-event-id"], undefined);
  assert.equal(server.requests[1].headers["last-event-id"], "st_9:2");
  assert.equal(server.requests[1].body, server.requests[0].body);
});

test("a server that starts a new generation instead of resuming has it deleted and the call fails", async (t) => {
  const server = await serve((r, res, n) => {
    if (r.method === "DELETE") { res.writeHead(204); res.end(); return; }
    res.writeHead(200, sseHead);
    if (n === 1) {
      res.write(frame("st_a", 0, { stream: "st_a", model: "sim/chat" }) + frame("st_a", 1, { content: "first " }));
      setTimeout(() => res.socket.destroy(), 20);
    } else {
      res.write(frame("st_b", 0, { stream: "st_b", model: "sim/chat" }) + frame("st_b", 1, { content: "other" }));
    }
  });
  t.after(server.close);
  const result = await streamChat({ model: "sim/chat", messages, baseUrl: server.base, resumeDelayMs: 10 });
  assert.equal(result.status, "error");
  assert.equal(result.error.type, "resume_failed");
  assert.equal(result.text, "first ");
  await until(() => server.requests.some((r) => r.method === "DELETE"), "the DELETE");
  assert.deepEqual(server.requests.filter((r) => r.method === "DELETE").map((r) => r.url), ["/api/streams/st_b"]);
});

test("gives up after the configured resume attempts when the gateway stays away", async (t) => {
  const server = await serve((r, res, n) => {
    if (n === 1) {
      res.writeHead(200, sseHead);
      res.write(frame("st_c", 0, { stream: "st_c", model: "sim/chat" }));
      setTimeout(() => res.socket.destroy(), 20);
    } else {
      res.socket.destroy();
    }
  });
  t.after(server.close);
  const seen = [];
  const result = await streamChat({ model: "sim/chat", messages, baseUrl: server.base, resumeAttempts: 2, resumeDelayMs: 5 },
    (e) => seen.push(e.type));
  assert.equal(result.status, "error");
  assert.equal(result.error.type, "network_error");
  assert.deepEqual(seen, ["start", "reconnecting", "reconnecting", "error"]);
  assert.equal(server.requests.length, 3);
});

test("abort stops reading at once, closes the connection and deletes the stream", async (t) => {
  let postClosed = false;
  const server = await serve((r, res) => {
    if (r.method === "DELETE") { res.writeHead(204); res.end(); return; }
    res.on("close", () => { postClosed = true; });
    res.writeHead(200, sseHead);
    res.write(frame("st_d", 0, { stream: "st_d", model: "sim/chat" }) + frame("st_d", 1, { content: "a" }));
    const more = setInterval(() => res.write(frame("st_d", 9, { content: "late" })), 50); // same seq: ignored anyway
    res.on("close", () => clearInterval(more));
  });
  t.after(server.close);
  const controller = new AbortController();
  const seen = [];
  const pending = streamChat({ model: "sim/chat", messages, baseUrl: server.base, signal: controller.signal }, (e) => {
    seen.push(e.type);
    if (e.type === "content") controller.abort();
  });
  const result = await pending;
  assert.equal(result.status, "aborted");
  assert.equal(result.text, "a");
  assert.deepEqual(seen, ["start", "content"]);
  await until(() => server.requests.some((r) => r.method === "DELETE"), "the DELETE");
  assert.equal(server.requests.find((r) => r.method === "DELETE").url, "/api/streams/st_d");
  await until(() => postClosed, "the POST connection to close");
});

test("createChatStream exposes status, text and events, and stop aborts", async (t) => {
  const server = await serve((r, res, n) => {
    if (r.method === "DELETE") { res.writeHead(204); res.end(); return; }
    res.writeHead(200, sseHead);
    if (n === 1) res.end(frame("st_e", 0, { stream: "st_e", model: "sim/echo" }) + frame("st_e", 1, { content: "hi" }) + frame("st_e", 2, done));
    else res.write(frame("st_f", 0, { stream: "st_f", model: "sim/echo" }) + frame("st_f", 1, { content: "x" }));
  });
  t.after(server.close);
  const chat = createChatStream({ baseUrl: server.base, model: "sim/echo" });
  const statuses = [];
  chat.subscribe(() => statuses.push(chat.getSnapshot().status));
  await chat.start({ messages });
  const s = chat.getSnapshot();
  assert.equal(s.status, "done");
  assert.equal(s.text, "hi");
  assert.equal(s.streamId, "st_e");
  assert.deepEqual(s.events.map((e) => e.type), ["start", "content", "done"]);
  assert.equal(statuses[0], "streaming");

  const second = chat.start({ messages });
  await until(() => chat.getSnapshot().text === "x", "the second stream's text");
  chat.stop();
  assert.equal(chat.getSnapshot().status, "aborted");
  assert.equal((await second).status, "aborted");
  await until(() => server.requests.some((r) => r.url === "/api/streams/st_f"), "the DELETE of st_f");
});

test("abort before the first event answers at once and still deletes the stream once its id arrives", async (t) => {
  const server = await serve((r, res) => {
    if (r.method === "DELETE") { res.writeHead(204); res.end(); return; }
    res.writeHead(200, sseHead);
    setTimeout(() => res.write(frame("st_g", 0, { stream: "st_g", model: "sim/chat" }) + frame("st_g", 1, { content: "x" })), 100);
  });
  t.after(server.close);
  const controller = new AbortController();
  const seen = [];
  const pending = streamChat({ model: "sim/chat", messages, baseUrl: server.base, signal: controller.signal }, (e) => seen.push(e));
  await until(() => server.requests.length === 1, "the POST");
  controller.abort();
  const result = await pending;
  assert.equal(result.status, "aborted");
  assert.equal(result.streamId, null);
  await until(() => server.requests.some((r) => r.method === "DELETE"), "the DELETE");
  assert.equal(server.requests.find((r) => r.method === "DELETE").url, "/api/streams/st_g");
  assert.deepEqual(seen, []);
});
