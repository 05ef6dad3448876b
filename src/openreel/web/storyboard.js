// The storyboard editor: scenes in order (prompt, seconds, how each follows the one before, camera)
// and a shared style; the model, aspect, resolution, seed and audio are the generate form's.
const $ = (id) => document.getElementById(id);
const TRANSITIONS = ["cut", "dissolve"];
const CAMERAS = ["", "static", "pan_left", "pan_right", "tilt_up", "tilt_down", "dolly_in", "dolly_out", "orbit",
  "aerial", "tracking"];

function select(className, values, chosen, labelled) {
  const box = document.createElement("select");
  box.className = className;
  box.setAttribute("aria-label", labelled);
  box.innerHTML = values.map((v) => `<option value="${v}" ${v === chosen ? "selected" : ""}>${v || "camera: any"}</option>`).join("");
  return box;
}

export function addScene(prompt = "", seconds = 4) {
  const row = document.createElement("li");
  row.className = "scene";
  const text = document.createElement("input");
  text.className = "scene-prompt";
  text.placeholder = "What this scene shows";
  text.setAttribute("aria-label", "Scene prompt");
  text.required = true;
  text.value = prompt;
  const duration = document.createElement("input");
  duration.className = "scene-seconds";
  duration.type = "number"; duration.min = "1"; duration.max = "60"; duration.value = String(seconds);
  duration.setAttribute("aria-label", "Seconds");
  const remove = document.createElement("button");
  remove.type = "button"; remove.className = "remove"; remove.textContent = "✕"; remove.title = "Remove this scene";
  remove.addEventListener("click", () => { if ($("scenes").children.length > 1) row.remove(); });
  row.append(text, duration, select("scene-transition", TRANSITIONS, "cut", "Transition from the scene before"),
    select("scene-camera", CAMERAS, "", "Camera move"), remove);
  $("scenes").append(row);
  return row;
}

// The body of POST models/{model}:generateStoryboard; the server checks every value.
export function storyboardBody(shared) {
  const scenes = [...$("scenes").children].map((row) => {
    const scene = {
      prompt: row.querySelector(".scene-prompt").value,
      durationSeconds: Number(row.querySelector(".scene-seconds").value),
      transition: row.querySelector(".scene-transition").value,
    };
    const camera = row.querySelector(".scene-camera").value;
    if (camera) scene.camera = camera;
    return scene;
  });
  const body = { scenes, parameters: shared };
  if ($("style").value.trim()) body.style = $("style").value.trim();
  return body;
}

$("add-scene").addEventListener("click", () => addScene().querySelector("input").focus());
addScene("A mountain lake at dawn, static shot");
addScene("A city skyline at night, slow dolly in");
