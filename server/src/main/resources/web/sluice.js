// sluice.js: a small, dependency-free client for Sluice's browser stream (POST /api/chat).
//
//   import { streamChat } from "/sluice.js";
//   const controller = new AbortController();
//   const result = await streamChat(
//     { model: "sim/chat", messages: [{ role: "user", content: "hello" }], signal: controller.signal },
//     (event) => { if (event.type === "content") output.append(event.data.content); });
//   // result: { status: "done" | "error" | "aborted", streamId, model, text, done, error }
//
// onEvent gets { type, id, data } where type is "start" ({stream, model}), "content", "reasoning",
// "toolCall", "done" (usage, costUsd, timing) or "error" ({error: {message, type, retryable}}), as
// docs/contract.md "Browser streams" defines them, plus "reconnecting" ({attempt, lastEventId}) when
// the connection broke and the client resumes it. Resume sends the same request with
// `Last-Event-ID: <streamId>:<seq>`: the gateway replays what was missed and continues the same
// generation; events already seen are skipped, so no text is duplicated. A server that answers a
// resume with a different stream (it cannot resume) has that stream deleted at once and the call
// ends with an error: never a second generation shown as the first.
//
// Aborting the signal stops reading at once and deletes the stream on the gateway
// (DELETE /api/streams/{id}), so the upstream is cancelled now rather than after the resume grace.
// The promise resolves (never rejects) with status "aborted" then.

/** SSE field parser for a text stream that arrives in arbitrary chunks (WHATWG rules, no retry). */
export function createSseParser(onMessage) {
  let buffer = "";
  let data = [];
  let id = null;
  let type = "";
  let lastId = null;
  let pendingCR = false;

  function dispatch() {
    if (id !== null) lastId = id;
    if (data.length > 0) onMessage({ type: type || "message", data: data.join("\n"), id: lastId });
    data = [];
    type = "";
    id = null;
  }

  function line(text) {
    if (text === "") return dispatch();
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") type = value;
    else if (field === "id" && !value.includes("\0")) id = value;
  }

  return {
    /** Feeds decoded text; complete lines are handled now, a partial line waits for the next chunk. */
    push(text) {
      if (text === "") return;
      if (pendingCR && text.startsWith("\n")) text = text.slice(1); // the \n of a \r\n split across chunks
      pendingCR = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        line(buffer.slice(start, i));
        if (c === 13) {
          if (i + 1 < buffer.length) { if (buffer.charCodeAt(i + 1) === 10) i++; }
          else pendingCR = true;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    /** The id of the last event with an id, as EventSource's lastEventId. */
    get lastEventId() { return lastId; },
  };
}

const KINDS = ["content", "reasoning", "toolCall", "done", "error"];

/** The kind of a browser event's data object. */
export function eventType(data) {
  if (typeof data.stream === "string") return "start";
  for (const k of KINDS) if (k in data) return k;
  return "unknown";
}

function seqOf(id) {
  const colon = id ? id.lastIndexOf(":") : -1;
  return colon < 0 ? { stream: null, seq: -1 } : { stream: id.slice(0, colon), seq: Number(id.slice(colon + 1)) };
}

const delay = (ms, signal) => new Promise((resolve) => {
  if (signal?.aborted) return resolve();
  const t = setTimeout(resolve, ms);
  signal?.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
});

/**
 * Streams one chat answer. Options: model, messages, signal, baseUrl (default ""), headers (e.g.
 * Authorization), fetch (default globalThis.fetch), resumeAttempts (default 5), resumeDelayMs
 * (default 200, doubled per attempt), earlyAbortMs (default 2000: how long an abort before the
 * first event waits for the stream id in order to delete the stream).
 */
export async function streamChat(options, onEvent = () => {}) {
  const { model, messages, signal, baseUrl = "", headers = {}, resumeAttempts = 5, resumeDelayMs = 200, earlyAbortMs = 2000 } = options;
  const fetchFn = options.fetch ?? globalThis.fetch;
  const body = JSON.stringify({ model, messages });
  const state = { streamId: null, model: null, text: "", lastSeq: -1, done: null, error: null };
  const internal = new AbortController();
  let earlyAbortTimer = null;

  const deleteStream = (id) => {
    if (!id) return;
    fetchFn(`${baseUrl}/api/streams/${encodeURIComponent(id)}`, { method: "DELETE", headers })
      .then((r) => r.body?.cancel?.(), () => {}); // 404: it already ended; a failure changes nothing here
  };
  // Aborted before the first event, the stream id is not known yet: reading goes on silently until
  // it arrives (then the stream is deleted), for at most earlyAbortMs; the caller is answered now.
  const onAbort = () => {
    if (state.streamId !== null) {
      internal.abort();
      deleteStream(state.streamId);
    } else {
      earlyAbortTimer = setTimeout(() => internal.abort(), earlyAbortMs);
    }
  };
  if (signal?.aborted) return finish("aborted");
  signal?.addEventListener("abort", onAbort, { once: true });
  const aborted = new Promise((resolve) => signal?.addEventListener("abort", () => resolve(finish("aborted")), { once: true }));
  const emit = (event) => { if (!signal?.aborted) onEvent(event); };
  return Promise.race([run(), aborted]);

  function finish(status) {
    signal?.removeEventListener("abort", onAbort);
    return { status, streamId: state.streamId, model: state.model, text: state.text, done: state.done, error: state.error };
  }
  function fail(error) {
    state.error = error;
    emit({ type: "error", id: null, data: { error } });
    return finish("error");
  }

  async function run() {
    for (let attempt = 0; ; attempt++) {
      const resuming = state.streamId !== null;
      let outcome; // "ended" (done/error seen), "broken" (resumable), or a result to return
      try {
        const h = { "Content-Type": "application/json", Accept: "text/event-stream", ...headers };
        if (resuming) h["Last-Event-ID"] = `${state.streamId}:${state.lastSeq}`;
        const response = await fetchFn(`${baseUrl}/api/chat`, { method: "POST", headers: h, body, signal: internal.signal });
        if (!response.ok) {
          let error;
          try { error = (await response.json()).error; } catch { /* not JSON: described below */ }
          return fail(error ?? { message: `HTTP ${response.status}`, type: "http_error", retryable: response.status >= 500 });
        }
        outcome = await read(response);
      } catch (e) {
        if (signal?.aborted) return finish("aborted");
        outcome = "broken";
        if (!resuming && state.streamId === null) {
          return fail({ message: `Could not reach the gateway: ${e?.message ?? e}`, type: "network_error", retryable: true });
        }
      }
      if (typeof outcome === "object") return outcome;
      if (outcome === "ended") return finish(state.done ? "done" : "error");
      if (signal?.aborted) return finish("aborted");
      if (state.streamId === null) {
        return fail({ message: "The connection closed before the stream started.", type: "network_error", retryable: true });
      }
      if (attempt >= resumeAttempts) {
        return fail({ message: "The connection dropped and could not be resumed.", type: "network_error", retryable: true });
      }
      const lastEventId = `${state.streamId}:${state.lastSeq}`;
      emit({ type: "reconnecting", id: null, data: { attempt: attempt + 1, lastEventId } });
      await delay(resumeDelayMs * 2 ** attempt, signal);
      if (signal?.aborted) return finish("aborted");
    }
  }

  async function read(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let ended = false;
    let foreign = null;
    const parser = createSseParser((message) => {
      if (ended || foreign) return;
      const { stream, seq } = seqOf(message.id);
      if (state.streamId !== null && stream !== null && stream !== state.streamId) {
        foreign = stream; // the server started a new generation instead of resuming ours
        return;
      }
      if (seq >= 0 && seq <= state.lastSeq) return; // replayed and already seen
      if (seq >= 0) state.lastSeq = seq;
      let data;
      try { data = JSON.parse(message.data); } catch { return; }
      const type = eventType(data);
      if (type === "start" && signal?.aborted) { // aborted before the id was known: delete it now
        state.streamId = data.stream;
        deleteStream(data.stream);
        clearTimeout(earlyAbortTimer);
        internal.abort();
        ended = true;
        return;
      }
      if (type === "start") { state.streamId = data.stream; state.model = data.model; }
      else if (type === "content") state.text += data.content;
      else if (type === "done") { state.done = data; ended = true; }
      else if (type === "error") { state.error = data.error; ended = true; }
      emit({ type, id: message.id, data });
    });
    try {
      while (!ended && !foreign) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(decoder.decode(value, { stream: true }));
      }
    } finally {
      if (ended || foreign) reader.cancel().catch(() => {});
    }
    if (foreign) {
      deleteStream(foreign);
      return fail({ message: "The connection dropped and the gateway could not resume the stream.",
        type: "resume_failed", retryable: true });
    }
    return ended ? "ended" : "broken";
  }
}

/**
 * A framework-free chat stream: a state snapshot, subscribers, start and stop. useChatStream
 * (sluice-react.js) is this plus React's useSyncExternalStore.
 */
export function createChatStream(defaults = {}) {
  let snapshot = { text: "", events: [], status: "idle", error: null, done: null, streamId: null, model: null };
  const listeners = new Set();
  let controller = null;
  const set = (patch) => {
    snapshot = { ...snapshot, ...patch };
    for (const l of listeners) l();
  };
  return {
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Starts a stream (stopping a running one); resolves with streamChat's result. */
    async start(request) {
      controller?.abort();
      const mine = (controller = new AbortController());
      set({ text: "", events: [], status: "streaming", error: null, done: null, streamId: null, model: null });
      const result = await streamChat({ ...defaults, ...request, signal: mine.signal }, (event) => {
        if (controller !== mine) return;
        const patch = { events: [...snapshot.events, event] };
        if (event.type === "start") Object.assign(patch, { streamId: event.data.stream, model: event.data.model });
        if (event.type === "content") patch.text = snapshot.text + event.data.content;
        if (event.type === "reconnecting") patch.status = "reconnecting";
        else if (snapshot.status === "reconnecting") patch.status = "streaming";
        set(patch);
      });
      if (controller === mine) {
        controller = null;
        set({ status: result.status, error: result.error, done: result.done });
      }
      return result;
    },
    /** Stops the running stream at once (and deletes it on the gateway). */
    stop() {
      const c = controller;
      controller = null;
      if (c) { c.abort(); set({ status: "aborted" }); }
    },
  };
}
