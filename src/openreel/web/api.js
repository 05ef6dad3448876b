// Requests to this server with the key from the box. The key travels only in the x-goog-api-key
// header, never in a URL: URLs end up in access logs, browser history and Referer headers.
const keyBox = document.getElementById("api-key");
export const key = () => keyBox.value.trim();

const KEY_HELP = "create one with `openreel keys create`";

// An error answer as an Error carrying its HTTP code and google.rpc status.
async function failure(response) {
  const body = await response.json().catch(() => ({}));
  const error = body.error || {};
  const fields = (error.details || []).flatMap((d) => d.fieldViolations || []).map((v) => `${v.field}: ${v.description}`);
  const failed = new Error(`${error.status || response.status}: ${error.message || response.statusText}${fields.length ? " (" + fields.join("; ") + ")" : ""}`);
  failed.code = response.status;
  failed.status = error.status || "";
  failed.detail = error.message || response.statusText;
  return failed;
}

// What to tell the user when a request was refused for want of a (good) key, else null.
export function keyProblem(error) {
  if (error.code !== 401 && error.code !== 403) return null;
  if (!key()) return `Enter an API key above: ${KEY_HELP}.`;
  return `This key was refused (${error.code} ${error.status}: ${error.detail}). Check it, or ${KEY_HELP}.`;
}

// No header at all without a key: a server run with OPENREEL_REQUIRE_API_KEY=false still answers.
export async function send(path, options = {}) {
  const headers = { ...options.headers, ...(key() ? { "x-goog-api-key": key() } : {}) };
  const response = await fetch(path, { ...options, headers });
  if (!response.ok) throw await failure(response);
  return response;
}

export async function api(path, options = {}) {
  const response = await send(path, { ...options, headers: { "Content-Type": "application/json" } });
  return response.json().catch(() => ({}));
}

// Server-sent events over fetch() (EventSource cannot send headers): calls onEvent(name, data)
// per event; resolves when the stream ends.
export async function readEvents(path, onEvent, signal) {
  const response = await send(path, { signal, headers: { Accept: "text/event-stream" } });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));  // comment-only blocks are keep-alives
    }
  }
}
