// openreel playground: makes videos through this server's Gemini-shaped API with the key from the
// box, follows their progress, and lists recent operations of every front (Gemini, Vertex, OpenAI's /v1/videos, Interactions).
// Videos and thumbnails are fetched with the key header into blob: URLs (see api.js for why).
import { api, key, keyProblem, readEvents } from "./api.js";
import { playLive } from "./live.js";
import { storyboardBody } from "./storyboard.js";
import { fileId, frontLabel, geminiFile, operationVideo } from "./videos.js";

const $ = (id) => document.getElementById(id);
$("api-key").value = localStorage.getItem("openreel-key") || "";
$("api-key").addEventListener("change", () => {
  localStorage.setItem("openreel-key", key());
  loadModels();
  loadRecent();
});

function showError(message) { $("error").textContent = message; $("error").hidden = !message; }

// A refused key is the user's to fix in the key box, so the message says so and points there.
function explain(error) {
  const problem = keyProblem(error);
  if (!problem) return error.message;
  $("api-key").setAttribute("aria-invalid", "true");
  $("api-key").focus();
  return problem;
}

// The model list doubles as the sign that the key works: without it Generate does not post.
async function loadModels() {
  try {
    const { models = [] } = await api("/v1beta/models");
    const chosen = $("model").value || "veo-3.0-generate-001";  // keep the user's choice on reload
    $("model").innerHTML = models.map((m) => {
      const id = m.name.replace("models/", "");
      return `<option value="${id}" ${id === chosen ? "selected" : ""}>${id} (${m.engine})</option>`;
    }).join("");
    showError("");
    $("api-key").removeAttribute("aria-invalid");
  } catch (e) {
    if (keyProblem(e)) $("model").replaceChildren();
    showError(explain(e));
  }
}

// Object URLs pin their blob in memory until revoked, so the result video revokes the URL it
// held when it gets a new one, and Recent revokes the thumbnails of operations it drops.
let resultUrl = null;

// Plays the video; the download link reuses the same blob, and shows only once there is one.
async function showVideo(video) {
  const url = await offerDownload(video);
  $("job").hidden = false;
  $("result").src = url; $("result").hidden = false; $("result").play().catch(() => {});
}

async function offerDownload(video) {
  const url = URL.createObjectURL(await video.blob());
  if (resultUrl) URL.revokeObjectURL(resultUrl);
  resultUrl = url;
  $("download").href = url; $("download").download = video.filename; $("download").hidden = false;
  return url;
}

// A finished operation never changes, so each is opened once; operation name -> Promise of
// {video, thumbnail} or null (no video the page can fetch).
const opened = new Map();
let listing = 0;  // the latest loadRecent call; an older one that returns later is dropped

function open(name) {
  if (!opened.has(name)) {
    opened.set(name, operationVideo(name).then(async (video) => video && { video, thumbnail: await video.thumbnail() })
      .catch(() => { opened.delete(name); return null; }));  // a failure is retried on the next listing
  }
  return opened.get(name);
}

function forget(names) {
  for (const [name, item] of opened) {
    if (names.has(name)) continue;
    opened.delete(name);
    item.then((found) => found && URL.revokeObjectURL(found.thumbnail));
  }
}

async function loadRecent() {
  const mine = ++listing;
  let operations = [];
  try {
    ({ operations = [] } = await api("/v1beta/operations?pageSize=12"));
  } catch { /* the model list reports a key problem; Recent just empties */ }
  if (mine !== listing) return;
  const finished = operations.filter((op) => op.done && !op.error);
  forget(new Set(finished.map((op) => op.name)));
  const items = await Promise.all(finished.map(async (op) => ({ op, found: await open(op.name) })));
  if (mine !== listing) return;
  $("recent").replaceChildren(...items.filter(({ found }) => found).map(({ op, found }) => recentItem(op, found)));
}

function recentItem(op, { video, thumbnail }) {
  const front = frontLabel(op);
  const label = `${op.metadata.model}${front ? ` · ${front}` : ""} · ${new Date(op.metadata.createTime).toLocaleString()}`;
  const li = document.createElement("li");
  li.dataset.operation = op.name;
  const button = document.createElement("button");
  button.type = "button";
  button.title = "Play this video";
  button.addEventListener("click", async () => {
    showError("");
    $("status").textContent = label;
    $("progress").value = 100;
    $("concepts").hidden = true;
    showConcepts(op.metadata.concepts);
    await showVideo(video).catch((e) => showError(explain(e)));
  });
  const img = document.createElement("img");
  img.alt = "thumbnail";
  img.src = thumbnail;
  const span = document.createElement("span");
  span.textContent = label;
  button.append(img);
  li.append(button, span);
  return li;
}

async function imageField() {
  const file = $("image").files[0];
  if (!file) return undefined;
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { bytesBase64Encoded: btoa(binary), mimeType: file.type || "image/png" };
}

function describe(meta) {
  if (meta.state === "QUEUED") return `Queued at position ${(meta.queuePosition || 0) + 1}`;
  if (meta.state === "RUNNING") return `Rendering… ${meta.progressPercent || 0}%`;
  return meta.state;
}

// What every video from this page shares: the settings row of the generate form.
function sharedParameters() {
  const parameters = { aspectRatio: $("aspect").value, resolution: $("resolution").value, generateAudio: $("audio").checked };
  if ($("negative-prompt").value) parameters.negativePrompt = $("negative-prompt").value;
  if ($("seed").value !== "") parameters.seed = Number($("seed").value);
  return parameters;
}

// No model means the list never loaded (no key, or a refused one): ask again, which shows why.
async function modelChosen() {
  if (!$("model").value) await loadModels();
  return $("model").value;
}

async function generate() {
  if (!await modelChosen()) return;
  const instance = { prompt: $("prompt").value };
  const image = await imageField();
  if (image) instance.image = image;
  const parameters = { ...sharedParameters(), durationSeconds: Number($("duration").value) };
  const op = await api(`/v1beta/models/${encodeURIComponent($("model").value)}:predictLongRunning`,
    { method: "POST", body: JSON.stringify({ instances: [instance], parameters }) });
  await follow(op);
}

async function storyboard() {
  if (!await modelChosen()) return;
  const op = await api(`/v1beta/models/${encodeURIComponent($("model").value)}:generateStoryboard`,
    { method: "POST", body: JSON.stringify(storyboardBody(sharedParameters())) });
  await follow(op);
}

// One submit handler per form; the buttons stay disabled while their video is made.
for (const [form, button, make] of [["generate", "submit", generate], ["storyboard", "make-storyboard", storyboard]]) {
  $(form).addEventListener("submit", async (event) => {
    event.preventDefault();
    showError("");
    $(button).disabled = true;
    try {
      await make();
    } catch (e) {
      showError(explain(e));
    } finally {
      $(button).disabled = false;
    }
  });
}

let following = null;  // the AbortController of the progress stream being read

async function follow(op) {
  following?.abort();
  following = new AbortController();
  $("job").hidden = false; $("result").hidden = true; $("download").hidden = true; $("concepts").hidden = true;
  $("progress").value = 0; $("status").textContent = describe(op.metadata || {});
  const id = op.name.split("/").pop();
  let done = null;
  let live = null;  // the live playback, started once rendering does
  try {
    await readEvents(`/v1beta/operations/${id}:stream`, (name, data) => {
      if (name === "progress") {
        $("status").textContent = describe(data.metadata);
        $("progress").value = data.metadata.progressPercent || 0;
        if (data.metadata.state === "RUNNING" && !live) {
          live = playLive($("result"), id, following.signal).catch(() => false);
        }
      } else if (name === "done") {
        done = data;
      }
    }, following.signal);
  } catch (e) {
    if (e.name === "AbortError") return;
    throw new Error(`Lost the progress stream (${e.message}); the operation is still listed under Recent.`);
  }
  if (!done) throw new Error("Lost the progress stream; the operation is still listed under Recent.");
  if (done.error) { $("status").textContent = "Failed"; throw new Error(`Generation failed: ${done.error.message}`); }
  const samples = done.response.generateVideoResponse.generatedSamples || [];
  if (!samples.length) {  // withheld: what played live is taken away too
    $("result").pause(); $("result").removeAttribute("src"); $("result").hidden = true;
    $("status").textContent = "Filtered: no video returned";
    return;
  }
  $("progress").value = 100;
  $("status").textContent = done.metadata.enhancedPrompt ? `Done: ${done.metadata.enhancedPrompt}` : "Done";
  showConcepts(done.metadata.concepts);
  const finished = geminiFile(fileId(samples[0].video.uri));
  // A video already playing live keeps playing; the download link gets the finished file.
  if (live && await live) await offerDownload(finished);
  else await showVideo(finished);
  loadRecent();
}

// What the engine says it drew of the prompt (the procedural engine says; a model cannot).
function showConcepts(concepts) {
  if (!concepts) return;
  const known = concepts.rendered.length || concepts.notRendered.length;
  $("rendered").textContent = concepts.rendered.join(", ") || "nothing it could name";
  $("not-rendered").textContent = concepts.notRendered.join(", ")
    || (known ? "nothing: all of it was drawn" : "none of the prompt's words are ones it knows");
  $("concepts").hidden = false;
}

loadModels();
loadRecent();
