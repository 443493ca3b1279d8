// sluice-react.js: useChatStream, a React hook over sluice.js. React is the app's, passed in, so
// this module depends on nothing:
//
//   import React from "react";
//   import { bindReact } from "/sluice-react.js";
//   const { useChatStream } = bindReact(React);
//
//   function Chat() {
//     const { text, events, status, error, done, start, stop } = useChatStream({ model: "sim/chat" });
//     return <>
//       <button onClick={() => start({ messages: [{ role: "user", content: "hello" }] })}>Ask</button>
//       <button onClick={stop} disabled={status !== "streaming"}>Stop</button>
//       <p>{text}</p>{error && <p role="alert">{error.message}</p>}
//     </>;
//   }
//
// status: "idle" | "streaming" | "reconnecting" | "done" | "error" | "aborted". text is the answer
// so far (React renders it as text: model output never becomes markup), events every browser
// event seen, done the final {usage, costUsd, timing}. start({messages, model?}) stops a running
// stream first; stop() aborts at once and deletes the stream on the gateway. Unmounting stops it.
import { createChatStream } from "./sluice.js";

/** Returns { useChatStream } bound to the given React (any version with useSyncExternalStore: 18+). */
export function bindReact(React) {
  function useChatStream(options = {}) {
    const ref = React.useRef(null);
    if (ref.current === null) ref.current = createChatStream(options);
    const chat = ref.current;
    const state = React.useSyncExternalStore(chat.subscribe, chat.getSnapshot, chat.getSnapshot);
    React.useEffect(() => () => chat.stop(), [chat]);
    return { ...state, start: chat.start, stop: chat.stop };
  }
  return { useChatStream };
}
